import { Create, SimpleForm, TextInput, maxLength, required } from 'react-admin';

export default function ResellerCreate() {
  return (
    <Create redirect="list" title="New reseller">
      <SimpleForm>
        <TextInput source="name" validate={[required(), maxLength(200)]} helperText="Then create a reseller admin for it under Staff" />
      </SimpleForm>
    </Create>
  );
}
