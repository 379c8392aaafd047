import { SelectInput, type SelectInputProps, useGetList } from 'react-admin';

// Inputs whose value is a product code or a reseller name (as the API's inputs take them), not an id.

export function ProductInput(props: SelectInputProps & { alwaysOn?: boolean }) {
  const { data, isPending } = useGetList('products', { pagination: { page: 1, perPage: 500 }, sort: { field: 'name', order: 'ASC' } });
  return (
    <SelectInput
      {...props}
      choices={data ?? []}
      isPending={isPending}
      optionValue="code"
      optionText={(p: { code: string; name: string }) => `${p.name} (${p.code})`}
    />
  );
}

export function ResellerNameInput(props: SelectInputProps) {
  const { data, isPending } = useGetList('resellers', { pagination: { page: 1, perPage: 500 }, sort: { field: 'name', order: 'ASC' } });
  return <SelectInput {...props} choices={data ?? []} isPending={isPending} optionValue="name" optionText="name" />;
}
