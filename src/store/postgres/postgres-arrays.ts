/**
 * @module
 * Array parameters as PostgreSQL array literals, built here rather than by pg's generic serializer (a
 * fifth of the write path's CPU went there): a batch sends its rows as a few arrays (`unnest($1::text[],
 * ...)`), thousands of elements each. Text elements are always quoted, with `"` and `\` escaped; numbers
 * keep JavaScript's shortest round-trip form, which PostgreSQL reads back to the same double.
 */

/** One element of an array parameter. */
export type ArrayElement = string | number | boolean | bigint | null;

/** The array literal of `values` (`{1,2,NULL}`, `{"a","b\"c"}`), for a `$n::type[]` parameter. */
export function pgArray(values: readonly ArrayElement[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) parts[i] = 'NULL';
    else if (typeof value === 'string') parts[i] = `"${value.replace(/[\\"]/g, '\\$&')}"`;
    else if (typeof value === 'boolean') parts[i] = value ? 't' : 'f';
    else parts[i] = String(value);
  }
  return `{${parts.join(',')}}`;
}

/** Each column of `rows` as an array literal: the parameters of an `unnest(...)` insert. */
export function columnArrays(rows: readonly (readonly ArrayElement[])[], width: number): string[] {
  const columns: ArrayElement[][] = Array.from({ length: width }, () => []);
  for (const row of rows) for (let i = 0; i < width; i++) columns[i]!.push(row[i] ?? null);
  return columns.map(pgArray);
}
