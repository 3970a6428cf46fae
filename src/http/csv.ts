/**
 * @module
 * CSV answers (RFC 4180). Caller-controlled text reaches these cells (From, To, extra fields), so a text
 * cell that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage return) is
 * prefixed with a single quote, as OWASP recommends. Numbers this service computed are left as they are.
 */

export type CsvCell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: formula-escaped when it is text, quoted when it holds a comma, a quote or a line break. */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A whole CSV document: the header row, then one row per record, CRLF line ends. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvCell[]>): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
