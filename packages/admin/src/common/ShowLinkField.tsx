import { Link, useCreatePath, useFieldValue, useRecordContext, useResourceContext } from 'react-admin';

/**
 * A Datagrid cell that links to the record's page: a row's click target is a mouse-only `<tr>`,
 * this link can be reached with Tab and opened with Enter.
 */
export function ShowLinkField({ source, link = 'show' }: { source: string; link?: 'show' | 'edit'; label?: string; sortBy?: string; sortable?: boolean }) {
  const record = useRecordContext();
  const resource = useResourceContext();
  const createPath = useCreatePath();
  const value = useFieldValue({ source });
  if (!record) return null;
  return (
    <Link to={createPath({ resource, id: record.id, type: link })} onClick={(event: { stopPropagation(): void }) => event.stopPropagation()}>
      {String(value ?? '')}
    </Link>
  );
}
