/**
 * Command-line options of `npm run bench`: `--quick` for a short smoke run, `--connections N`,
 * `--rounds N`, `--out FILE` (where to write the results; a quick run writes nowhere unless given),
 * `--only ingest|import|metrics`, `--import-calls N` (the import benchmark's file, 1,000,000 calls by default, 100,000
 * when quick), `--metrics-calls N` (10 million by default, 200,000 when quick),
 * `--postgres-metrics-calls N` (the PostgreSQL metrics run on a history database of their own, 1,000,000 calls by
 * default, at most `--metrics-calls`: copying them into PostgreSQL takes a few minutes, 10 million an estimated 20).
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

export interface Settings {
  quick: boolean;
  /** Interleaved rounds of closed-loop runs, one run per server per round. */
  rounds: number;
  /** Target length of each closed-loop run, s. */
  runSeconds: number;
  /** Warm-up length per server, s. */
  warmupSeconds: number;
  /** Concurrent connections of the closed-loop runs. */
  connections: number;
  /** The fixed-rate runs: requests/s offered, length, most connections. */
  pacedRate: number;
  pacedSeconds: number;
  pacedSockets: number;
  /** The results file to update, or null to only print. */
  out: string | null;
  /** Which benchmarks to run. */
  only: 'all' | 'ingest' | 'import' | 'metrics';
  /** Calls in the import benchmark's generated file, and its interleaved rounds. */
  importCalls: number;
  importRounds: number;
  /** Calls in the metrics benchmark's history database. */
  metricsCalls: number;
  /** Interleaved rounds of the metrics queries. */
  metricsRounds: number;
  /** Calls in the history database the PostgreSQL metrics are measured on (copied into PostgreSQL). */
  postgresMetricsCalls: number;
}

/** The PostgreSQL metrics' default size: a copy that takes a few minutes (once; the schema is kept), not twenty. */
const DEFAULT_POSTGRES_METRICS_CALLS = 1_000_000;

function callCount(name: string, text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1000 || n > 100_000_000) throw new Error(`--${name} must be a whole number from 1000 to 100000000, got "${text}"`);
  return n;
}

const DEFAULT_OUT = fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url));

function positiveInteger(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error(`--${name} must be a whole number from 1 to 10000, got "${text}"`);
  return n;
}

/** Reads the settings from the command line. */
export function readSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      out: { type: 'string' },
      only: { type: 'string' },
      'import-calls': { type: 'string' },
      'metrics-calls': { type: 'string' },
      'postgres-metrics-calls': { type: 'string' },
    },
  });
  const only = values.only ?? 'all';
  if (only !== 'all' && only !== 'ingest' && only !== 'import' && only !== 'metrics') throw new Error(`--only must be ingest, import or metrics, got "${only}"`);
  const quick = values.quick ?? false;
  const metricsCalls = callCount('metrics-calls', values['metrics-calls']) ?? (quick ? 200_000 : 10_000_000);
  const postgresMetricsCalls = callCount('postgres-metrics-calls', values['postgres-metrics-calls']) ?? DEFAULT_POSTGRES_METRICS_CALLS;
  return {
    quick,
    rounds: positiveInteger('rounds', values.rounds, quick ? 1 : 3),
    runSeconds: quick ? 2 : 10,
    warmupSeconds: quick ? 1 : 3,
    connections: positiveInteger('connections', values.connections, 100),
    pacedRate: 1000,
    pacedSeconds: quick ? 3 : 15,
    pacedSockets: 64,
    out: values.out ?? (quick ? null : DEFAULT_OUT),
    only,
    importCalls: callCount('import-calls', values['import-calls']) ?? (quick ? 100_000 : 1_000_000),
    importRounds: quick ? 1 : 2,
    metricsCalls,
    metricsRounds: quick ? 2 : 5,
    postgresMetricsCalls: Math.min(postgresMetricsCalls, metricsCalls),
  };
}
