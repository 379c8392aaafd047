import { downloadCSV } from 'react-admin';

const cell = (value: unknown) => {
  const text = value == null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** Rows (objects with the same keys) as a CSV download. */
export function exportCsv(rows: Record<string, unknown>[], name: string) {
  const header = Object.keys(rows[0] ?? {});
  const lines = [header.map(cell).join(','), ...rows.map((row) => header.map((key) => cell(row[key])).join(','))];
  downloadCSV(lines.join('\r\n'), name);
}
