/**
 * @module
 * How figures are written on the pages: counts, rates, MOS, durations, times in the chosen zone, and
 * the change against the previous period (with whether it is better or worse).
 */

const COUNT = new Intl.NumberFormat('en-US');

/** 12,345 (or an en dash for no value). */
export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : COUNT.format(value);
}

/** A rate as a percentage with one decimal: 0.6667 -> "66.7 %". */
export function formatPercent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '–' : `${(rate * 100).toFixed(1)} %`;
}

/** A MOS with two decimals: 4.05. */
export function formatMos(mos: number | null | undefined): string {
  return mos === null || mos === undefined ? '–' : mos.toFixed(2);
}

/** Seconds as "42 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** An instant as local date and time in a zone: "2024-05-01 09:30:00". */
export function formatTime(iso: string | number, timeZone: string): string {
  const parts: Record<string, string> = {};
  for (const part of new Intl.DateTimeFormat('en-CA', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(iso))) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** How a change is measured: relative (%), in percentage points, or as a plain difference with a unit. */
export type ChangeKind = 'relative' | 'points' | 'mos' | 'seconds';

/** A change against the previous period: its text and whether it is better, worse or neutral. */
export interface Change {
  text: string;
  direction: 'up' | 'down' | 'flat' | 'none';
  verdict: 'better' | 'worse' | 'neutral';
}

/**
 * The change from `previous` to `current`. `higherIsBetter` null means neither direction is good or bad
 * (call volume). No value on either side gives "no previous figure".
 */
export function describeChange(current: number | null, previous: number | null, kind: ChangeKind, higherIsBetter: boolean | null): Change {
  if (current === null || previous === null) return { text: 'no previous figure', direction: 'none', verdict: 'neutral' };
  const diff = current - previous;
  let text: string;
  if (kind === 'relative') {
    if (previous === 0) return { text: current === 0 ? 'no change' : 'none before', direction: current === 0 ? 'flat' : 'up', verdict: 'neutral' };
    text = `${Math.abs((diff / previous) * 100).toFixed(1)} %`;
  } else if (kind === 'points') text = `${Math.abs(diff * 100).toFixed(1)} pp`;
  else if (kind === 'mos') text = Math.abs(diff).toFixed(2);
  else text = `${Math.abs(diff).toFixed(0)} s`;
  const rounded = Number(text.replace(/[^\d.]/g, ''));
  if (rounded === 0) return { text: 'no change', direction: 'flat', verdict: 'neutral' };
  const direction = diff > 0 ? 'up' : 'down';
  const verdict = higherIsBetter === null ? 'neutral' : (diff > 0) === higherIsBetter ? 'better' : 'worse';
  return { text: `${diff > 0 ? '+' : '−'}${text}`, direction, verdict };
}

/** Green, amber or red for a figure against thresholds (at or above green; at or above amber; below). */
export function levelOf(value: number | null, thresholds: { green: number; amber: number }): 'green' | 'amber' | 'red' | 'none' {
  if (value === null) return 'none';
  if (value >= thresholds.green) return 'green';
  if (value >= thresholds.amber) return 'amber';
  return 'red';
}
