import { Create, SimpleForm, TextInput, required } from 'react-admin';
import { ProductInputs } from './ProductInputs.tsx';

export default function ProductCreate() {
  return (
    <Create redirect="list" title="New product" mutationMode="pessimistic">
      <SimpleForm defaultValues={{ remoteReleasesPerYear: 3, tokenAlg: 'EdDSA' }}>
        <TextInput source="code" validate={required()} helperText={'Lower-case letters, digits, ".", "_" or "-" (at most 64): what plug-ins send as product'} />
        <ProductInputs />
      </SimpleForm>
    </Create>
  );
}
