/**
 * @module
 * The dashboard page (`/`): range, time zone and number filter; tiles with the change against the
 * previous period; time series, distributions, the hour-of-week heat map, the top numbers and the
 * worst-quality calls; a recent calls feed and live refresh over Server-Sent Events. Every figure comes
 * from the read API over one range (the server's), and every caller-controlled string is set as text.
 */
import { MOS_BANDS } from '../domain/mos.js';
import { ApiError, adoptTokenFromFragment, getJson } from './api.js';
import { drawBars, type Bar } from './bars.js';
import { callButton, setUpCallDialog } from './call-record.js';
import { drawMos, drawSuccess, drawVolume, STATUSES, type SeriesPoint } from './charts.js';
import { byId, el, replaceChildren } from './dom.js';
import { describeChange, formatCount, formatDuration, formatMos, formatPercent, formatTime, type ChangeKind } from './format.js';
import { drawHeatmap, type HeatCell } from './heatmap.js';
import { connectLive, type LiveCall, type LiveState } from './live.js';
import { askForToken, setUpTheme } from './page-chrome.js';
import { intervalFor, localInputToInstant, PRESET_LABELS, PRESETS, presetRange, previousRange, type Preset, type Range } from './range.js';
import { plainTable, SortableTable, type Column } from './tables.js';

interface Summary {
  range: { from: string; to: string };
  calls: number;
  completed: number;
  successRate: number | null;
  statuses: Record<string, number>;
  mos: { scored: number; mean: number | null; p10: number | null; poorRate: number | null };
  duration: { mean: number | null; short: number };
  repeatCallers: { repeated: number; rate: number | null };
}
interface Bin { from: number; to: number | null; count: number; band?: string }
interface NumberRow extends Omit<Summary, 'range'> { group: { number: string } }
interface CallRow { callSid: string; from: string; to: string; timestamp: string; status: string; durationSeconds: number | null; mos: number | null }
interface Thresholds { successRate: { green: number; amber: number }; mos: { green: number; amber: number }; poorQualityBelow: number }

/** What the page shows: read from and written to the address's query string. */
interface View {
  preset: Preset;
  from: string;
  to: string;
  tz: string;
  number: string;
}

const RECENT_MAX = 15;
/** The heat map reads many rollups: refreshed live at most this often. */
const HEATMAP_REFRESH_MS = 30_000;
/** Relative ranges slide: refreshed at least this often even with no new calls. */
const IDLE_REFRESH_MS = 60_000;

const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
let view = readView();
let range: Range | null = null;
let thresholds: Thresholds | null = null;
let series: SeriesPoint[] = [];
let inFlight: AbortController | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | null = null;
let loading = false;
let dirty = false;
let generation = 0;
let heatmapLoadedAt = 0;

function readView(): View {
  const query = new URLSearchParams(location.search);
  const preset = query.get('range') as Preset | null;
  return {
    preset: preset && (PRESETS as readonly string[]).includes(preset) ? preset : '24h',
    from: query.get('from') ?? '',
    to: query.get('to') ?? '',
    tz: query.get('tz') ?? browserZone,
    number: query.get('number') ?? '',
  };
}

function writeView(): void {
  const query = new URLSearchParams({ range: view.preset, tz: view.tz });
  if (view.number) query.set('number', view.number);
  if (view.preset === 'custom') {
    query.set('from', view.from);
    query.set('to', view.to);
  }
  history.replaceState(null, '', `${location.pathname}?${query}`);
}

function showError(message: string | null): void {
  const banner = byId('error');
  banner.hidden = message === null;
  banner.textContent = message ?? '';
}

/** The range the view asks for, as API parameters (presets end at the server's now). */
function requestedRange(): Record<string, string> | string {
  if (view.preset === 'custom') {
    const from = localInputToInstant(view.from, view.tz);
    const to = localInputToInstant(view.to, view.tz);
    if (from === null || to === null) return 'Pick both ends of the custom range.';
    if (from >= to) return 'The custom range must start before it ends.';
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  }
  if (view.preset === 'today') return { from: new Date(presetRange('today', view.tz, Date.now())!.from).toISOString() };
  return { since: view.preset };
}

function filterParams(extra: Record<string, string | number> = {}): Record<string, string | number | undefined> {
  return { from: new Date(range!.from).toISOString(), to: new Date(range!.to).toISOString(), number: view.number || undefined, ...extra };
}

// ---- tiles ----

function setTile(id: string, value: string, change: ReturnType<typeof describeChange>, previousLabel: string): void {
  byId(`tile-${id}`).textContent = value;
  const element = byId(`change-${id}`);
  element.className = `change ${change.verdict} ${change.direction}`;
  const arrow = change.direction === 'up' ? '▲ ' : change.direction === 'down' ? '▼ ' : '';
  const verdict = change.verdict === 'neutral' ? '' : ` (${change.verdict})`;
  replaceChildren(element, el('span', { attrs: { 'aria-hidden': 'true' }, text: arrow }), `${change.text}${verdict} vs ${previousLabel}`);
}

function renderTiles(current: Summary, previous: Summary): void {
  const label = 'previous period';
  const tile = (id: string, value: string, now: number | null, before: number | null, kind: ChangeKind, higherIsBetter: boolean | null): void =>
    setTile(id, value, describeChange(now, before, kind, higherIsBetter), label);
  tile('calls', formatCount(current.calls), current.calls, previous.calls, 'relative', null);
  tile('success', formatPercent(current.successRate), current.successRate, previous.successRate, 'points', true);
  tile('mos', formatMos(current.mos.mean), current.mos.mean, previous.mos.mean, 'mos', true);
  tile('poor', formatPercent(current.mos.poorRate), current.mos.poorRate, previous.mos.poorRate, 'points', false);
  tile('duration', formatDuration(current.duration.mean), current.duration.mean, previous.duration.mean, 'seconds', null);
  tile('repeat', formatPercent(current.repeatCallers.rate), current.repeatCallers.rate, previous.repeatCallers.rate, 'points', false);
}

// ---- charts and their tables ----

function bucketLabel(point: SeriesPoint): string {
  return formatTime(point.start, view.tz).slice(0, 16);
}

function renderSeries(): void {
  const goal = thresholds?.successRate.green ?? 0.9;
  drawVolume(byId('plot-volume'), series, view.tz);
  drawSuccess(byId('plot-success'), series, view.tz, goal);
  drawMos(byId('plot-mos'), series, view.tz);
  byId('success-target').textContent = `Target (dashed): ${formatPercent(goal)}, the wallboard's green threshold`;
  const time: Column<SeriesPoint> = { label: `Start (${view.tz})`, value: bucketLabel };
  replaceChildren(byId('table-volume'), plainTable('Calls per time bucket and status', [
    time, ...STATUSES.map((s): Column<SeriesPoint> => ({ label: s, value: (p) => p.statuses[s] ?? 0, numeric: true })), { label: 'total', value: (p) => p.calls, numeric: true },
  ], series));
  replaceChildren(byId('table-success'), plainTable('Success rate per time bucket', [
    time, { label: 'calls', value: (p) => p.calls, numeric: true }, { label: 'completed', value: (p) => p.completed, numeric: true },
    { label: 'success rate', value: (p) => p.successRate, cell: (p) => formatPercent(p.successRate), numeric: true },
  ], series));
  replaceChildren(byId('table-mos'), plainTable('MOS per time bucket', [
    time, { label: 'mean', value: (p) => p.mosMean, cell: (p) => formatMos(p.mosMean), numeric: true },
    { label: 'p10', value: (p) => p.mosP10, cell: (p) => formatMos(p.mosP10), numeric: true },
  ], series));
}

function renderMosDistribution(bins: Bin[]): void {
  const bars: Bar[] = bins.map((b) => ({ label: `MOS ${b.from.toFixed(2)}–${b.to!.toFixed(2)} (${b.band})`, count: b.count, className: `band-${b.band}`, x0: (b.from - 1) / 4, x1: (b.to! - 1) / 4 }));
  const total = bins.reduce((sum, b) => sum + b.count, 0);
  drawBars(byId('plot-mos-dist'), bars, [1, 2, 3, 4, 5].map((v) => [(v - 1) / 4, String(v)]), `Histogram of MOS over ${total} scored calls, coloured by quality band; the same figures are in the table below`);
  const bandTotals = MOS_BANDS.map((band) => ({ band, count: bins.filter((b) => b.band === band).reduce((sum, b) => sum + b.count, 0) }));
  replaceChildren(byId('table-mos-dist'),
    plainTable('Scored calls per quality band', [
      { label: 'band', value: (r) => r.band }, { label: 'calls', value: (r) => r.count, numeric: true },
      { label: 'share', value: (r) => (total === 0 ? null : r.count / total), cell: (r) => formatPercent(total === 0 ? null : r.count / total), numeric: true },
    ], bandTotals),
    plainTable('Scored calls per MOS bin', [
      { label: 'MOS from', value: (b) => b.from.toFixed(2) }, { label: 'to', value: (b) => (b.to === 5 ? '5.00 (incl.)' : b.to!.toFixed(2)) },
      { label: 'band', value: (b) => b.band ?? '' }, { label: 'calls', value: (b) => b.count, numeric: true },
    ], bins.filter((b) => b.count > 0)));
}

function durationLabel(bin: Bin): string {
  return bin.to === null ? `${formatDuration(bin.from)} or more` : `${formatDuration(bin.from)} to under ${formatDuration(bin.to)}`;
}

function renderDurationDistribution(bins: Bin[]): void {
  const width = 1 / bins.length;
  const bars: Bar[] = bins.map((b, i) => ({ label: durationLabel(b), count: b.count, className: 'bar-duration', x0: i * width, x1: (i + 1) * width }));
  const ticks = bins.map((b, i): [number, string] => [(i + 0.5) * width, b.from < 60 ? `${b.from}s` : b.from < 3600 ? `${b.from / 60}m` : `${b.from / 3600}h`]);
  drawBars(byId('plot-duration-dist'), bars, ticks, 'Histogram of the durations of completed calls, in bins that widen; the same figures are in the table below');
  replaceChildren(byId('table-duration-dist'), plainTable('Completed calls per duration', [
    { label: 'duration', value: durationLabel }, { label: 'calls', value: (b) => b.count, numeric: true },
  ], bins));
}

// ---- tables ----

const numbersTable = new SortableTable<NumberRow>(byId('numbers-table'), 'Calls per called number (select a column to sort)', [
  { label: 'Number', value: (r) => r.group.number },
  { label: 'Calls', value: (r) => r.calls, cell: (r) => formatCount(r.calls), numeric: true },
  { label: 'Success rate', value: (r) => r.successRate, cell: (r) => formatPercent(r.successRate), numeric: true },
  { label: 'Mean MOS', value: (r) => r.mos.mean, cell: (r) => formatMos(r.mos.mean), numeric: true },
  { label: 'Poor quality', value: (r) => r.mos.poorRate, cell: (r) => formatPercent(r.mos.poorRate), numeric: true },
  { label: 'Mean duration', value: (r) => r.duration.mean, cell: (r) => formatDuration(r.duration.mean), numeric: true },
], 1);

const worstTable = new SortableTable<CallRow>(byId('worst-table'), 'Scored calls with the lowest MOS (select a call for its full record)', [
  { label: 'MOS', value: (c) => c.mos, cell: (c) => formatMos(c.mos), numeric: true },
  { label: 'Time', value: (c) => c.timestamp, cell: (c) => formatTime(c.timestamp, view.tz) },
  { label: 'From', value: (c) => c.from },
  { label: 'To', value: (c) => c.to },
  { label: 'Status', value: (c) => c.status },
  { label: 'Call', value: (c) => c.callSid, cell: (c) => callButton(c.callSid, () => view.tz, 'Record') },
], 0, false);

function recentItem(call: CallRow | LiveCall, fresh: boolean): HTMLLIElement {
  return el('li', { class: `recent-call status-${call.status}${fresh ? ' fresh' : ''}`, attrs: { 'data-call-sid': call.callSid } },
    el('time', { attrs: { datetime: call.timestamp }, text: formatTime(call.timestamp, view.tz).slice(11) }),
    el('span', { class: `badge status-${call.status}`, text: call.status }),
    el('span', { class: 'who' }, el('span', { class: 'from', text: call.from }), ' → ', el('span', { class: 'to', text: call.to })),
    el('span', { class: 'figures', text: `${formatDuration(call.durationSeconds)} · MOS ${formatMos(call.mos)}` }),
    callButton(call.callSid, () => view.tz, 'Details'),
  );
}

function addRecent(calls: LiveCall[]): void {
  const list = byId('recent');
  for (const call of calls) {
    list.querySelector('.empty')?.remove();
    list.prepend(recentItem(call, true));
  }
  while (list.children.length > RECENT_MAX) list.lastElementChild!.remove();
}

// ---- loading ----

async function load(options: { full: boolean }): Promise<void> {
  // A live refresh waits for the load in progress; a new view (full load) replaces it.
  if (loading && !options.full) {
    dirty = true;
    return;
  }
  const mine = ++generation;
  loading = true;
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  const signal = controller.signal;
  try {
    const asked = requestedRange();
    if (typeof asked === 'string') {
      showError(asked);
      return;
    }
    thresholds ??= await getJson<Thresholds>('/api/v1/thresholds', {}, signal);
    const current = await getJson<Summary>('/api/v1/summary', { ...asked, number: view.number || undefined }, signal);
    range = { from: Date.parse(current.range.from), to: Date.parse(current.range.to) };
    const previousOf = previousRange(range);
    byId('range-label').textContent = `${PRESET_LABELS[view.preset].replace('…', '')}: ${formatTime(range.from, view.tz)} to ${formatTime(range.to, view.tz)} (${view.tz})${view.number ? `, number ${view.number}` : ', all numbers'}`;
    const previous = getJson<Summary>('/api/v1/summary', { from: new Date(previousOf.from).toISOString(), to: new Date(previousOf.to).toISOString(), number: view.number || undefined }, signal);
    const timeseries = getJson<{ points: SeriesPoint[] }>('/api/v1/timeseries', filterParams({ interval: intervalFor(range), tz: view.tz }), signal);
    const mosBins = getJson<{ bins: Bin[] }>('/api/v1/distribution', filterParams({ of: 'mos' }), signal);
    const durationBins = getJson<{ bins: Bin[] }>('/api/v1/distribution', filterParams({ of: 'duration' }), signal);
    const numbers = getJson<{ rows: NumberRow[] }>('/api/v1/breakdown', filterParams({ by: 'number' }), signal);
    const worst = getJson<{ calls: CallRow[] }>('/api/v1/worst-calls', filterParams({ limit: 10 }), signal);
    const heat = options.full || Date.now() - heatmapLoadedAt > HEATMAP_REFRESH_MS
      ? getJson<{ rows: HeatCell[] }>('/api/v1/breakdown', filterParams({ by: 'hourOfWeek', tz: view.tz }), signal) : null;
    const recent = options.full ? getJson<{ calls: CallRow[] }>('/api/v1/calls', filterParams({ limit: RECENT_MAX }), signal) : null;

    renderTiles(current, await previous);
    series = (await timeseries).points;
    renderSeries();
    renderMosDistribution((await mosBins).bins);
    renderDurationDistribution((await durationBins).bins);
    const numberRows = (await numbers).rows;
    numbersTable.update(numberRows);
    if (!view.number) replaceChildren(byId('number-list'), ...numberRows.slice(0, 200).map((r) => el('option', { attrs: { value: r.group.number } })));
    worstTable.update((await worst).calls);
    if (heat) {
      drawHeatmap(byId('heatmap'), (await heat).rows, `Calls per hour of the week, ${view.tz} local time (darker is busier)`);
      heatmapLoadedAt = Date.now();
    }
    if (recent) {
      const calls = (await recent).calls;
      replaceChildren(byId('recent'), ...(calls.length === 0 ? [el('li', { class: 'empty', text: 'No calls yet in this range.' })] : calls.map((c) => recentItem(c, false))));
    }
    showError(null);
    document.body.dataset.loaded = String(Date.now());
  } catch (error) {
    if (signal.aborted) return;
    if (error instanceof ApiError && error.status === 401) {
      showError('This server needs an API token.');
      askForToken(() => void load({ full: true }));
    } else {
      showError(`Could not load the figures: ${(error as Error).message}`);
    }
  } finally {
    if (mine === generation) {
      loading = false;
      if (dirty) {
        dirty = false;
        scheduleRefresh(1000);
      }
    }
  }
}

/** Refreshes soon, once, however many calls arrive meanwhile. */
function scheduleRefresh(delay = 300): void {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    void load({ full: false });
  }, delay);
}

function isLive(): boolean {
  return view.preset !== 'custom' || (range !== null && range.to >= Date.now() - 60_000);
}

function onLiveCalls(calls: LiveCall[]): void {
  if (!isLive() || range === null) return;
  const relevant = calls.filter((c) => (!view.number || c.to === view.number) && Date.parse(c.timestamp) >= range!.from);
  if (relevant.length === 0) return;
  addRecent(relevant);
  scheduleRefresh();
}

function onLiveState(state: LiveState): void {
  const status = byId('live-status');
  status.dataset.state = state;
  status.textContent = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', unauthorized: 'Live updates need the API token' }[state];
  if (state === 'live' && range !== null) scheduleRefresh(0);
}

// ---- the form ----

function setUpForm(): void {
  const select = byId<HTMLSelectElement>('range');
  replaceChildren(select, ...PRESETS.map((p) => el('option', { attrs: { value: p }, text: PRESET_LABELS[p] })));
  select.value = view.preset;
  const custom = byId('custom-range');
  const customFrom = byId<HTMLInputElement>('custom-from');
  const customTo = byId<HTMLInputElement>('custom-to');
  custom.hidden = view.preset !== 'custom';
  customFrom.value = view.from;
  customTo.value = view.to;
  select.addEventListener('change', () => {
    custom.hidden = select.value !== 'custom';
    if (select.value === 'custom' && !customFrom.value && range) {
      customFrom.value = formatTime(range.from, view.tz).replace(' ', 'T').slice(0, 16);
      customTo.value = formatTime(range.to, view.tz).replace(' ', 'T').slice(0, 16);
    }
  });
  const tz = byId<HTMLInputElement>('tz');
  tz.value = view.tz;
  const zones = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  replaceChildren(byId('tz-list'), ...['UTC', ...zones].map((z) => el('option', { attrs: { value: z } })));
  const number = byId<HTMLInputElement>('number');
  number.value = view.number;
  byId<HTMLFormElement>('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    view = { preset: select.value as Preset, from: customFrom.value, to: customTo.value, tz: tz.value.trim() || 'UTC', number: number.value.trim() };
    writeView();
    void load({ full: true });
  });
}

adoptTokenFromFragment();
setUpTheme(() => {
  if (series.length > 0) renderSeries();
});
setUpCallDialog();
setUpForm();
void load({ full: true });
connectLive({ onCalls: onLiveCalls, onState: onLiveState });
setInterval(() => {
  if (isLive()) scheduleRefresh(0);
}, IDLE_REFRESH_MS);
