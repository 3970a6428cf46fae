/**
 * @module
 * The wallboard page (`/wallboard`): today (local midnight in `?tz=`, default the browser's zone) and the
 * last 15 minutes, as huge figures (calls, success rate, mean MOS) coloured green, amber or red by the
 * configured thresholds, each colour also written as a word and a symbol. It needs no interaction:
 * it refreshes on every new call (live events), every 20 s as the windows slide, and reconnects by
 * itself after a server restart, marking the figures stale meanwhile.
 */
import { ApiError, adoptTokenFromFragment, getJson } from './api.js';
import { byId } from './dom.js';
import { formatCount, formatMos, formatPercent, formatTime, levelOf } from './format.js';
import { connectLive, type LiveState } from './live.js';
import { askForToken, setUpTheme } from './page-chrome.js';
import { presetRange } from './range.js';

interface Summary {
  calls: number;
  successRate: number | null;
  mos: { mean: number | null };
}
interface Thresholds { successRate: { green: number; amber: number }; mos: { green: number; amber: number } }

const REFRESH_MS = 20_000;
const query = new URLSearchParams(location.search);
const timeZone = query.get('tz') || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const number = query.get('number') || undefined;
let thresholds: Thresholds | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;
let loading = false;
let again = false;
let lastUpdate: number | null = null;
let liveState: LiveState = 'connecting';

const VERDICTS = { green: '✓ on target', amber: '▲ below target', red: '✕ critical', none: '' } as const;

function setFigure(id: string, text: string, level: keyof typeof VERDICTS): void {
  const figure = byId(id);
  figure.dataset.level = level;
  figure.querySelector('.big')!.textContent = text;
  figure.querySelector('.verdict')!.textContent = VERDICTS[level];
}

function show(prefix: string, summary: Summary): void {
  if (!thresholds) return;
  // Compared as shown: a success rate shown as 90.0 % meets a 90 % threshold.
  const success = summary.successRate === null ? null : Math.round(summary.successRate * 1000) / 1000;
  const mos = summary.mos.mean === null ? null : Math.round(summary.mos.mean * 100) / 100;
  setFigure(`${prefix}-calls`, formatCount(summary.calls), 'none');
  setFigure(`${prefix}-success`, formatPercent(summary.successRate), levelOf(success, thresholds.successRate));
  setFigure(`${prefix}-mos`, formatMos(summary.mos.mean), levelOf(mos, thresholds.mos));
}

function showError(message: string | null): void {
  const banner = byId('error');
  banner.hidden = message === null;
  banner.textContent = message ?? '';
}

function renderStatus(): void {
  const status = byId('wb-status');
  status.dataset.state = liveState;
  const since = lastUpdate === null ? '' : ` (figures of ${formatTime(lastUpdate, timeZone).slice(11)})`;
  status.textContent = liveState === 'live' ? 'Live' : liveState === 'unauthorized' ? 'Needs the API token' : `Reconnecting…${since}`;
  document.body.classList.toggle('stale', liveState !== 'live');
}

async function refresh(): Promise<void> {
  if (loading) {
    again = true;
    return;
  }
  loading = true;
  try {
    thresholds ??= await getJson<Thresholds>('/api/v1/thresholds');
    const today = presetRange('today', timeZone, Date.now())!;
    const [day, recent] = await Promise.all([
      getJson<Summary>('/api/v1/summary', { from: new Date(today.from).toISOString(), number }),
      getJson<Summary>('/api/v1/summary', { since: '15m', number }),
    ]);
    show('today', day);
    show('last15', recent);
    lastUpdate = Date.now();
    showError(null);
    byId('wb-thresholds').textContent = `Success: green ≥ ${formatPercent(thresholds.successRate.green)}, amber ≥ ${formatPercent(thresholds.successRate.amber)} · Mean MOS: green ≥ ${formatMos(thresholds.mos.green)}, amber ≥ ${formatMos(thresholds.mos.amber)}`;
    document.body.dataset.loaded = String(lastUpdate);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      showError('This server needs an API token.');
      askForToken(() => void refresh());
    } else if (error instanceof ApiError) {
      showError(error.message);
    }
    // A network error means the server is away: the live connection shows it and refreshes on return.
  } finally {
    loading = false;
    renderStatus();
    if (again) {
      again = false;
      schedule(1000);
    }
  }
}

function schedule(delay: number): void {
  if (timer) return;
  timer = setTimeout(() => {
    timer = null;
    void refresh();
  }, delay);
}

function tick(): void {
  byId('wb-clock').textContent = formatTime(Date.now(), timeZone).slice(11, 16);
}

adoptTokenFromFragment();
setUpTheme();
byId('wb-scope').textContent = `${number ? `${number} · ` : ''}${timeZone}`;
tick();
setInterval(tick, 1000);
void refresh();
connectLive({
  onCalls: (calls) => {
    if (!number || calls.some((c) => c.to === number)) schedule(250);
  },
  onState: (state) => {
    liveState = state;
    renderStatus();
    if (state === 'live') schedule(0);
  },
});
setInterval(() => schedule(0), REFRESH_MS);
