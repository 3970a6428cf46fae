/**
 * Turns the measurements into figures (medians over rounds, ratios against the targets) and formats
 * them as a console table and as the Ingest section of bench/RESULTS.md.
 */
import type { LoadResult } from './load.js';
import type { Machine } from './machine.js';
import type { Settings } from './options.js';
import { median } from './stats.js';
import type { TargetName } from './targets.js';

/** One server's figures from one kind of run: the median of each measure over the rounds, and the worst latency. */
export interface ServerFigures {
  name: TargetName;
  runs: LoadResult[];
  requestsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  serverCpuUs: number;
  generatorCpuUs: number;
}

/** One target from the issue, met or not. */
export interface TargetCheck {
  measure: string;
  value: string;
  target: string;
  pass: boolean;
}

/** Rows found in a server's database after it stopped, against the 2xx answers it gave. */
export interface RowCheck {
  name: TargetName;
  stored: number;
  answered: number;
}

export interface IngestReport {
  date: Date;
  machine: Machine;
  settings: Settings;
  servers: ServerFigures[];
  /** The fixed-rate runs. */
  paced: ServerFigures[];
  targets: TargetCheck[];
  rows: RowCheck[];
  /** The 1-minute load average when the benchmark started and when it ended: other work on the machine skews figures. */
  loadAverage: { start: number; end: number };
}

export const TARGETS = { ofBare: 0.5, timesNaive: 15, p99Ms: 25 } as const;

export function summarize(name: TargetName, runs: LoadResult[]): ServerFigures {
  return {
    name,
    runs,
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    max: Math.max(...runs.map((r) => r.max)),
    serverCpuUs: median(runs.map((r) => r.serverCpuUs)),
    generatorCpuUs: median(runs.map((r) => r.generatorCpuUs)),
  };
}

/** The three targets, checked against the figures. */
export function checkTargets(servers: ServerFigures[], paced: ServerFigures[], rate: number): TargetCheck[] {
  const rps = (name: TargetName): number => servers.find((s) => s.name === name)?.requestsPerSecond ?? NaN;
  const ofBare = rps('callpulse') / rps('bare');
  const timesNaive = rps('callpulse') / rps('naive');
  const p99 = paced.find((p) => p.name === 'callpulse')?.p99 ?? NaN;
  return [
    { measure: 'callpulse / bare, req/s', value: ofBare.toFixed(2), target: `≥ ${TARGETS.ofBare.toFixed(2)}`, pass: ofBare >= TARGETS.ofBare },
    { measure: 'callpulse / naive, req/s', value: `${timesNaive.toFixed(1)}×`, target: `≥ ${TARGETS.timesNaive}×`, pass: timesNaive >= TARGETS.timesNaive },
    { measure: `callpulse p99 at ${count(rate)} req/s offered`, value: `${ms(p99)} ms`, target: `≤ ${TARGETS.p99Ms} ms`, pass: p99 <= TARGETS.p99Ms },
  ];
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function ms(n: number): string {
  return n < 10 ? n.toFixed(2) : n.toFixed(1);
}

function verdict(pass: boolean): string {
  return pass ? 'PASS' : 'FAIL';
}

/** A plain-text table with the first column left-aligned and the others right-aligned. */
function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(header: string[], rows: string[][]): string {
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function serverRows(report: IngestReport): string[][] {
  return report.servers.map((s) => [
    s.name, count(s.requestsPerSecond), ms(s.p50), ms(s.p99), count(s.serverCpuUs), count(s.generatorCpuUs),
  ]);
}

function pacedRows(report: IngestReport): string[][] {
  return report.paced.map((p) => [
    p.name, count(p.requestsPerSecond), ms(p.p50), ms(p.p99), p.runs.map((r) => ms(r.p99)).join(' / '), ms(p.max),
    count(p.serverCpuUs), ms(Math.max(...p.runs.map((r) => r.generatorLagMs ?? NaN))),
  ]);
}

const SERVER_HEADER = ['server', 'req/s (median)', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'generator CPU µs/req'];
const PACED_HEADER = ['server', 'req/s achieved', 'p50 ms', 'p99 ms', 'p99 ms per round', 'max ms', 'server CPU µs/req', 'generator lag max ms'];

/** The figures for the terminal. */
export function formatConsole(report: IngestReport): string {
  const { settings } = report;
  return [
    `Closed loop, ${settings.connections} connections, median of ${settings.rounds} round(s):`,
    textTable(SERVER_HEADER, serverRows(report)),
    '',
    `Fixed rate, ${count(settings.pacedRate)} req/s offered, ${settings.rounds} round(s) of ${settings.pacedSeconds} s (open loop), median:`,
    textTable(PACED_HEADER, pacedRows(report)),
    '',
    textTable(['target', 'value', 'goal', 'result'], report.targets.map((t) => [t.measure, t.value, t.target, verdict(t.pass)])),
    '',
    ...report.rows.map((r) => `${r.name}: ${count(r.stored)} rows stored, ${count(r.answered)} answered 2xx`),
  ].join('\n');
}

/** The Ingest section of bench/RESULTS.md. */
export function formatMarkdown(report: IngestReport): string {
  const { machine: m, settings: s, loadAverage } = report;
  const command = s.quick ? '`npm run bench -- --quick` (a smoke run, too short to trust)' : '`npm run bench`';
  const perRound = report.servers.map((srv) => `${srv.name} ${srv.runs.map((r) => count(r.requestsPerSecond)).join(' / ')}`);
  const targetRows = report.targets.map((t) => [t.measure, t.value, t.target, `**${verdict(t.pass)}**`]);
  const rowChecks = report.rows.map((r) => `${r.name} stored ${count(r.stored)} calls for ${count(r.answered)} 2xx answers`);
  return `## Ingest

Measured ${report.date.toISOString().replace(/\.\d+Z$/, 'Z')} with ${command}.

**Machine:** ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM; Node ${m.node}; ${m.os}.
A 4 KiB write + fsync in the temp folder, where the databases live, takes ${ms(m.fsyncMs)} ms (median).
The 1-minute load average was ${loadAverage.start.toFixed(2)} before the benchmark and ${loadAverage.end.toFixed(2)} at its end
(the benchmark itself accounts for up to about 2; more means other work shared the machine).

**Method.** Three servers, each in its own child process on 127.0.0.1, all running for the whole benchmark.
The load generator (autocannon 8, programmatic API) runs in the parent process; the ${m.cores} cores are shared
by the generator and the server under load.

- **bare**: \`node:http\`, reads the whole body, answers 200. The limit.
- **naive**: Express 4 + \`express.urlencoded\` + better-sqlite3 in its default journal mode (rollback journal,
  synchronous=FULL), one INSERT, i.e. one commit, per request, then 200. It does not verify signatures.
- **callpulse**: the product, \`callpulse serve\` (webhook on a plain node:http handler in front of Fastify;
  signature verification on; SQLite WAL with synchronous=FULL, so each commit is fsync'd before the answer;
  group commit on a writer thread), LOG_LEVEL=warn.

Every request is a distinct callback whose CallSid is a random UUID, as SignalWire's are (random keys cost a
B-tree index far more than ordered ones), POSTed form-encoded to \`/webhooks/signalwire/call-status\`
with a valid \`X-SignalWire-Signature\` (Scheme B, over the URL \`http://127.0.0.1:PORT/...\`), signed before each
run so that signing does not load the generator. Each server first answers one such request with 200, then is warmed
up for about ${s.warmupSeconds} s. Then come ${s.rounds} interleaved round(s); in each, every server gets one closed-loop
run with ${s.connections} connections (\`--connections\`), sized to last about ${s.runSeconds} s. A run is a fixed
number of requests, so none is left unanswered at its end; the order of the servers rotates from round to round.
req/s = 2xx answers / wall time; latency is each response's time as autocannon saw it; the table gives the median
over rounds. Any non-2xx answer or error aborts the benchmark. CPU µs/req is the CPU time (user + system, all
threads) a process used during a run divided by the answers: the server's from /proc/PID/stat, the generator's
from process.cpuUsage().

### Throughput at saturation

${markdownTable(SERVER_HEADER, serverRows(report))}

req/s per round: ${perRound.join('; ')}.

### Fixed rate: ${count(s.pacedRate)} requests/s offered

Open loop: request *i* is sent at *start + i / rate* whether or not earlier ones were answered, over at most
${s.pacedSockets} keep-alive connections (node:http), and its latency runs from when it was due, so stalls are not
hidden. callpulse and bare take turns, ${s.rounds} run(s) of ${s.pacedSeconds} s each; the table gives the median over
rounds, each round's p99, the worst latency of all, and the longest the generator's own event loop was held up
(a latency much above that was spent in the server). autocannon's \`overallRate\` is not used for this: it gives each connection a per-second quota that it spends
as fast as it can at the start of each second, which offers bursts rather than an even rate.

${markdownTable(PACED_HEADER, pacedRows(report))}

### Targets

${markdownTable(['measure', 'value', 'target', 'result'], targetRows)}

### Correctness

After the runs each server was stopped with SIGTERM and its database read back: ${rowChecks.join('; ')}.
`;
}
