import { TableCell, TableHead, TableRow } from '@mui/material';

/** The header row of a plain table, one cell per column title. */
export function TableHeader({ columns }: { columns: string[] }) {
  return (
    <TableHead>
      <TableRow>
        {columns.map((column) => (
          <TableCell key={column}>{column}</TableCell>
        ))}
      </TableRow>
    </TableHead>
  );
}
