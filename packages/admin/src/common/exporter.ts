import { type Exporter, downloadCSV } from 'react-admin';
import { toCsv } from './csv.ts';

/**
 * A list's CSV export with the columns a spreadsheet user reads (`Customer e-mail`, not
 * `customer.email`): `row` maps one record to its cells under their header.
 */
export function csvExporter<T>(file: string, row: (record: T) => Record<string, unknown>): Exporter<T & { id: string }> {
  return (records) => downloadCSV(toCsv(records.map(row)), file);
}
