/**
 * @module
 * The 7×24 hour-of-week heat map as a real table: one row per weekday, one cell per local hour, each
 * cell's shade a CSS class (six steps of one colour-blind-safe hue) and its count written in the cell,
 * so it reads without colour and works with a screen reader.
 */
import { el, replaceChildren } from './dom.js';
import { formatPercent } from './format.js';

/** A cell as `/api/v1/breakdown?by=hourOfWeek` gives it. */
export interface HeatCell {
  group: { weekday: number; hour: number };
  calls: number;
  successRate: number | null;
}

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** Fills `target` with the heat map table. */
export function drawHeatmap(target: HTMLElement, cells: HeatCell[], caption: string): void {
  const max = Math.max(0, ...cells.map((c) => c.calls));
  const head = el('tr', {}, el('th', { attrs: { scope: 'col' } }, el('span', { class: 'visually-hidden', text: 'Day' })));
  for (let hour = 0; hour < 24; hour++) head.append(el('th', { attrs: { scope: 'col' }, text: String(hour).padStart(2, '0') }));
  const body = el('tbody');
  for (let day = 0; day < 7; day++) {
    const row = el('tr', {}, el('th', { attrs: { scope: 'row', title: DAYS[day]! }, text: DAYS[day]!.slice(0, 3) }));
    for (let hour = 0; hour < 24; hour++) {
      const cell = cells.find((c) => c.group.weekday === day && c.group.hour === hour);
      const calls = cell?.calls ?? 0;
      const level = calls === 0 ? 0 : Math.max(1, Math.ceil((calls / max) * 5));
      const hours = `${String(hour).padStart(2, '0')}:00–${String(hour + 1).padStart(2, '0')}:00`;
      row.append(el('td', {
        class: `heat heat-${level}`,
        attrs: { title: `${DAYS[day]} ${hours}: ${calls} calls, success ${formatPercent(cell?.successRate)}` },
        text: calls === 0 ? '' : String(calls),
      }));
    }
    body.append(row);
  }
  replaceChildren(target, el('table', { class: 'heatmap' }, el('caption', { text: caption }), el('thead', {}, head), body));
}
