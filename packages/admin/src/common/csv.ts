// A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(…) in a machine
// name or an e-mail): OWASP's advice is a leading single quote, which shows the text as typed.
const FORMULA_START = /^[=+\-@\t\r]/;

const cell = (value: unknown) => {
  const raw = value == null ? '' : String(value);
  const text = FORMULA_START.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** Rows (objects with the same keys) as CSV text, for react-admin's downloadCSV. */
export function toCsv(rows: Record<string, unknown>[]): string {
  const header = Object.keys(rows[0] ?? {});
  return [header.map(cell).join(','), ...rows.map((row) => header.map((key) => cell(row[key])).join(','))].join('\r\n');
}
