import { Edit, SimpleForm, TextInput, useRecordContext } from 'react-admin';
import { SaveOnlyToolbar } from '../common/SaveOnlyToolbar.tsx';
import { PolicySummary, ProductInputs } from './ProductInputs.tsx';

function Title() {
  const product = useRecordContext<{ name: string }>();
  return <>{product ? `Product ${product.name}` : 'Product'}</>;
}

/** A product's settings; the code is what plug-ins send, so it stays. Changes are in the audit log. */
export default function ProductEdit() {
  return (
    <Edit title={<Title />} mutationMode="pessimistic" redirect="list">
      <SimpleForm toolbar={<SaveOnlyToolbar />}>
        <PolicySummary />
        {/* Disabled: plug-ins send this code, so it never changes (a disabled input's helper text fails contrast). */}
        <TextInput source="code" disabled helperText={false} />
        <ProductInputs />
      </SimpleForm>
    </Edit>
  );
}
