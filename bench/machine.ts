/**
 * Describes the machine a benchmark ran on: CPU, cores, memory, Node, OS, and how long an fsync takes
 * in the temporary folder the databases live in (which bounds every durable commit).
 */
import { closeSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { median } from './stats.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  /** Median time of a 4 KiB write + fsync in the temp folder, ms. */
  fsyncMs: number;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function cpuModel(): string {
  const line = readOr('/proc/cpuinfo', '').split('\n').find((l) => l.startsWith('model name'));
  return line?.split(':')[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
}

function osName(): string {
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readOr('/etc/os-release', ''))?.[1];
  return `${pretty ?? process.platform}, kernel ${release()}`;
}

/** Median of `count` 4 KiB write + fsync pairs on a scratch file in `dir`. */
function measureFsync(dir: string, count = 100): number {
  const path = join(dir, 'fsync-probe');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      writeSync(fd, block, 0, block.length, 0);
      fsyncSync(fd);
      times.push(performance.now() - started);
    }
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
  return median(times);
}

/** Describes this machine; `dir` is where the databases are written. */
export function describeMachine(dir: string): Machine {
  return {
    cpu: cpuModel(),
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: osName(),
    fsyncMs: measureFsync(dir),
  };
}
