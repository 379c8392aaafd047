import { Checkbox, FormControl, FormControlLabel, FormGroup, FormHelperText, FormLabel } from '@mui/material';
import { useEffect } from 'react';
import { FormDataConsumer, SelectInput, type SelectInputProps, useGetList, useInput } from 'react-admin';

// Inputs whose value is a product code or a reseller name (as the API's inputs take them), not an id.

const useProducts = () => useGetList<{ id: string; code: string; name: string; entitlements: string[] }>('products', { pagination: { page: 1, perPage: 500 }, sort: { field: 'name', order: 'ASC' } });

export function ProductInput(props: SelectInputProps & { alwaysOn?: boolean }) {
  const { data, isPending } = useProducts();
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

/**
 * The entitlements a new license grants: a subset of the chosen product's (`productSource` is its
 * ProductInput), all of them ticked whenever a product is chosen; nothing to choose for a product without.
 */
export function EntitlementsInput({ source, productSource }: { source: string; productSource: string }) {
  return <FormDataConsumer>{({ formData }) => <EntitlementChoices source={source} code={formData[productSource] as string | undefined} />}</FormDataConsumer>;
}

function EntitlementChoices({ source, code }: { source: string; code: string | undefined }) {
  const { data } = useProducts();
  const { field } = useInput<string[]>({ source });
  const offered = data?.find((p) => p.code === code)?.entitlements;
  const { onChange } = field;
  // A new product: all of its features, not the last product's choice.
  useEffect(() => onChange(offered ?? []), [code, offered, onChange]);
  if (!offered?.length) return null;
  const chosen: string[] = Array.isArray(field.value) ? field.value : [];
  const toggle = (c: string) => onChange(chosen.includes(c) ? chosen.filter((x) => x !== c) : [...chosen, c]);
  return (
    <FormControl component="fieldset" margin="dense">
      <FormLabel component="legend">Entitlements</FormLabel>
      <FormGroup row>
        {offered.map((c) => (
          <FormControlLabel key={c} label={c} control={<Checkbox checked={chosen.includes(c)} onChange={() => toggle(c)} />} />
        ))}
      </FormGroup>
      <FormHelperText>The product's features this license grants; all of them unless you untick some</FormHelperText>
    </FormControl>
  );
}
