/**
 * @module
 * Distribution bar charts in SVG (built with DOM calls, no markup strings): each bar's width follows its
 * bin (or is even, for bins that widen), its colour comes from a CSS class (MOS bands), and each bar has
 * a title with its exact count for pointer and screen reader users.
 */
import { svg } from './dom.js';

/** One bar: its label, count, CSS class and position along the axis (0 to 1). */
export interface Bar {
  label: string;
  count: number;
  className: string;
  x0: number;
  x1: number;
}

const WIDTH = 600;
const HEIGHT = 200;
const BOTTOM = 22;
const LEFT = 36;

/** Draws the bars into `target` (replacing what was there), with axis labels at `ticks` (position, text). */
export function drawBars(target: HTMLElement, bars: Bar[], ticks: Array<[number, string]>, label: string): void {
  const max = Math.max(1, ...bars.map((b) => b.count));
  const plotWidth = WIDTH - LEFT - 4;
  const plotHeight = HEIGHT - BOTTOM - 8;
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': label, class: 'bars', preserveAspectRatio: 'none' });
  const levels = [...new Set([0, Math.round(max / 2), max])];
  for (const level of levels) {
    const y = 8 + plotHeight * (1 - level / max);
    chart.append(
      svg('line', { x1: LEFT, x2: WIDTH - 4, y1: y, y2: y, class: 'grid' }),
      svg('text', { x: LEFT - 4, y: y + 4, class: 'tick', 'text-anchor': 'end' }, String(level)),
    );
  }
  for (const bar of bars) {
    if (bar.count === 0) continue;
    const height = (bar.count / max) * plotHeight;
    const x = LEFT + bar.x0 * plotWidth;
    const width = Math.max(1, (bar.x1 - bar.x0) * plotWidth - 1);
    chart.append(svg('rect', { x, y: 8 + plotHeight - height, width, height, class: bar.className }, svg('title', {}, `${bar.label}: ${bar.count}`)));
  }
  for (const [position, text] of ticks) {
    chart.append(svg('text', { x: LEFT + position * plotWidth, y: HEIGHT - 6, class: 'tick', 'text-anchor': 'middle' }, text));
  }
  target.replaceChildren(chart);
}
