/**
 * Running `callpulse import` as a real child process for the benchmarks, with its peak resident memory
 * sampled from /proc: the metrics dataset is built this way, and the import benchmark measures it.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/callpulse.js', import.meta.url));

/** The resident memory of a process, MiB, from /proc (0 once it is gone). */
export function rssMiB(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** What `callpulse import --json` reports. */
export interface ImportRun {
  report: { rows: number; accepted: number; duplicates: number; quarantined: number; seconds: number };
  peakRssMiB: number;
}

/** Runs a Node script as a child process, sampling its memory; resolves with its stdout and peak RSS. */
export function runNodeChild(args: readonly string[]): Promise<{ stdout: string; peakRssMiB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(child.pid!))), 100);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(sampler);
      if (code !== 0) reject(new Error(`${args.join(' ')} exited with ${code}`));
      else resolve({ stdout, peakRssMiB: peak });
    });
  });
}

/** Imports a CSV file into the SQLite database `db` with `callpulse import`. */
export async function importCsv(csv: string, db: string): Promise<ImportRun> {
  const { stdout, peakRssMiB } = await runNodeChild([BIN, 'import', csv, '--db', db, '--json']);
  return { report: JSON.parse(stdout) as ImportRun['report'], peakRssMiB };
}
