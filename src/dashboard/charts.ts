/**
 * @module
 * The time series charts, drawn by uPlot (bundled, no CDN): call volume stacked by status, success rate
 * with its target line, and MOS mean and p10. Colours come from the page's CSS variables (light or dark,
 * colour-blind safe); each chart resizes with its box and is replaced whole when the data changes.
 */
import uPlot from 'uplot';

/** A time series point as `/api/v1/timeseries` gives it. */
export interface SeriesPoint {
  start: string;
  calls: number;
  completed: number;
  statuses: Record<string, number>;
  successRate: number | null;
  mosMean: number | null;
  mosP10: number | null;
  durationMean: number | null;
}

/** The statuses, stacked from the bottom in this order. */
export const STATUSES = ['completed', 'failed', 'busy', 'no-answer', 'canceled'] as const;

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

const charts = new Map<HTMLElement, { plot: uPlot; observer: ResizeObserver }>();

function mount(target: HTMLElement, options: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData): void {
  const old = charts.get(target);
  if (old) {
    old.observer.disconnect();
    old.plot.destroy();
  }
  target.replaceChildren();
  const width = Math.max(target.clientWidth, 280);
  const plot = new uPlot({ ...options, width, height: 220 }, data, target);
  const observer = new ResizeObserver(() => {
    const next = Math.max(target.clientWidth, 280);
    if (next !== plot.width) plot.setSize({ width: next, height: 220 });
  });
  observer.observe(target);
  charts.set(target, { plot, observer });
}

function axes(yLabel: string, yValues?: (v: number) => string): uPlot.Axis[] {
  const stroke = cssVar('--text-muted');
  const grid = { stroke: cssVar('--grid'), width: 1 };
  return [
    { stroke, grid, ticks: grid },
    { stroke, grid, ticks: grid, label: yLabel, size: 56, values: yValues ? (_u, values) => values.map(yValues) : undefined },
  ];
}

function common(timeZone: string): Pick<uPlot.Options, 'tzDate' | 'cursor' | 'legend'> {
  return {
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), timeZone),
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
  };
}

function xs(points: SeriesPoint[]): number[] {
  return points.map((p) => Date.parse(p.start) / 1000);
}

/** Calls per bucket as bars stacked by status (each bar's top is the bucket's total). */
export function drawVolume(target: HTMLElement, points: SeriesPoint[], timeZone: string): void {
  // uPlot does not stack: draw cumulative bars, tallest first, so each status shows as its own band.
  const order = [...STATUSES].reverse();
  const cumulative = order.map((_, i) => points.map((p) => STATUSES.slice(0, STATUSES.length - i).reduce((sum, s) => sum + (p.statuses[s] ?? 0), 0)));
  const bars = uPlot.paths.bars!({ size: [0.8, 40], gap: 1 });
  mount(target, {
    ...common(timeZone),
    scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
    axes: axes('calls', (v) => (Number.isInteger(v) ? String(v) : '')),
    series: [
      {},
      ...order.map((status) => ({
        label: status,
        stroke: cssVar(`--status-${status}`),
        fill: cssVar(`--status-${status}`),
        width: 0,
        paths: bars,
        points: { show: false },
        value: (_u: uPlot, _v: number | null, _s: number, idx: number | null) => (idx === null ? '–' : String(points[idx]?.statuses[status] ?? 0)),
      })),
    ],
  }, [xs(points), ...cumulative]);
}

/** Success rate per bucket (percent) with the target as a dashed line. */
export function drawSuccess(target: HTMLElement, points: SeriesPoint[], timeZone: string, goal: number): void {
  mount(target, {
    ...common(timeZone),
    scales: { y: { range: [0, 100] } },
    axes: axes('success %', (v) => `${v}`),
    series: [
      {},
      { label: 'success rate', stroke: cssVar('--series-1'), width: 2, value: (_u, v) => (v === null ? '–' : `${v.toFixed(1)} %`) },
      { label: 'target', stroke: cssVar('--target'), width: 1.5, dash: [6, 4], points: { show: false }, value: (_u, v) => (v === null ? '–' : `${v.toFixed(1)} %`) },
    ],
  }, [xs(points), points.map((p) => (p.successRate === null ? null : p.successRate * 100)), points.map(() => goal * 100)]);
}

/** MOS mean and p10 per bucket. */
export function drawMos(target: HTMLElement, points: SeriesPoint[], timeZone: string): void {
  mount(target, {
    ...common(timeZone),
    scales: { y: { range: [1, 5] } },
    axes: axes('MOS', (v) => v.toFixed(1)),
    series: [
      {},
      { label: 'mean', stroke: cssVar('--series-1'), width: 2, value: (_u, v) => (v === null ? '–' : v.toFixed(2)) },
      { label: 'p10', stroke: cssVar('--series-2'), width: 2, dash: [2, 3], value: (_u, v) => (v === null ? '–' : v.toFixed(2)) },
    ],
  }, [xs(points), points.map((p) => p.mosMean), points.map((p) => p.mosP10)]);
}
