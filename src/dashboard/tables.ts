/**
 * @module
 * Tables: plain ones (the charts' table alternatives) and sortable ones (a button in each column head,
 * `aria-sort` on the sorted column, numbers compared as numbers). Cells hold text or an element built
 * with the DOM helpers, never markup.
 */
import { el, replaceChildren } from './dom.js';

/** One column: how to read the value to sort by and how to show it. */
export interface Column<Row> {
  label: string;
  value(row: Row): string | number | null;
  /** What the cell shows; defaults to the value as text. */
  cell?(row: Row): Node | string;
  numeric?: boolean;
}

function headCell(label: string, numeric: boolean | undefined): HTMLTableCellElement {
  return el('th', { attrs: { scope: 'col' }, class: numeric ? 'num' : '', text: label });
}

/** A plain table with a caption. */
export function plainTable<Row>(caption: string, columns: Array<Column<Row>>, rows: Row[]): HTMLTableElement {
  const body = el('tbody');
  for (const row of rows) {
    body.append(el('tr', {}, ...columns.map((c) => el('td', { class: c.numeric ? 'num' : '' }, c.cell ? c.cell(row) : String(c.value(row) ?? '–')))));
  }
  return el('table', {}, el('caption', { text: caption }), el('thead', {}, el('tr', {}, ...columns.map((c) => headCell(c.label, c.numeric)))), body);
}

/** A sortable table in `target`, sorted by `sortBy` at first; keeps the user's sort across refreshes. */
export class SortableTable<Row> {
  private rows: Row[] = [];

  constructor(
    private readonly target: HTMLElement,
    private readonly caption: string,
    private readonly columns: Array<Column<Row>>,
    private sortBy: number,
    private descending = true,
  ) {}

  /** Shows new rows in the current order. */
  update(rows: Row[]): void {
    this.rows = rows;
    this.render();
  }

  private sorted(): Row[] {
    const column = this.columns[this.sortBy]!;
    return [...this.rows].sort((a, b) => {
      const x = column.value(a);
      const y = column.value(b);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return this.descending ? -order : order;
    });
  }

  private render(): void {
    const head = el('tr');
    this.columns.forEach((column, index) => {
      const sorted = index === this.sortBy;
      const button = el('button', { attrs: { type: 'button' }, class: 'sort' }, column.label, el('span', { attrs: { 'aria-hidden': 'true' }, text: sorted ? (this.descending ? ' ▼' : ' ▲') : '' }));
      button.addEventListener('click', () => {
        this.descending = sorted ? !this.descending : column.numeric === true;
        this.sortBy = index;
        this.render();
        (this.target.querySelectorAll('th button.sort')[index] as HTMLElement | undefined)?.focus();
      });
      const th = el('th', { attrs: { scope: 'col' }, class: column.numeric ? 'num' : '' }, button);
      th.setAttribute('aria-sort', sorted ? (this.descending ? 'descending' : 'ascending') : 'none');
      head.append(th);
    });
    const body = el('tbody');
    const rows = this.sorted();
    if (rows.length === 0) body.append(el('tr', {}, el('td', { attrs: { colspan: String(this.columns.length) }, class: 'empty', text: 'No calls in this range.' })));
    for (const row of rows) {
      body.append(el('tr', {}, ...this.columns.map((c) => el('td', { class: c.numeric ? 'num' : '' }, c.cell ? c.cell(row) : String(c.value(row) ?? '–')))));
    }
    replaceChildren(this.target, el('table', {}, el('caption', { text: this.caption }), el('thead', {}, head), body));
  }
}
