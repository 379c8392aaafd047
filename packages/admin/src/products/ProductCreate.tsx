import { Create, NumberInput, SimpleForm, TextInput, minValue, regex, required } from 'react-admin';

const url = regex(/^https?:\/\/\S+$/, 'An http(s):// address');

export default function ProductCreate() {
  return (
    <Create redirect="list" title="New product">
      <SimpleForm>
        <TextInput source="code" validate={required()} helperText={'Lower-case letters, digits, ".", "_" or "-": what plug-ins send as product'} />
        <TextInput source="name" validate={required()} />
        <NumberInput source="leaseDays" min={1} validate={minValue(1)} helperText="Empty: tokens live until the license expires" />
        <NumberInput source="remoteReleasesPerYear" min={0} defaultValue={3} validate={minValue(0)} />
        <TextInput source="links.website" validate={url} />
        <TextInput source="links.documentation" validate={url} />
        <TextInput source="links.support" validate={url} />
        <TextInput source="links.purchase" validate={url} />
      </SimpleForm>
    </Create>
  );
}
