import { Create, SimpleForm, TextInput, maxLength, required } from 'react-admin';

export default function ResellerCreate() {
  return (
    <Create redirect="list" title="New reseller" mutationMode="pessimistic">
      <SimpleForm>
        <TextInput source="name" validate={[required(), maxLength(100)]} helperText="At most 100 characters, unique whatever its case; then create a reseller admin for it under Staff" />
      </SimpleForm>
    </Create>
  );
}
