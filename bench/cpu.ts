/**
 * CPU time (user + system) used so far by a child process, read from /proc/PID/stat (Linux; NaN elsewhere),
 * and by this process. Divided by the requests served, it shows what each request costs each side.
 */
import { readFileSync } from 'node:fs';

/** Linux reports utime and stime in clock ticks of 1/100 s on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

/** Seconds of CPU used by process `pid` and its threads so far, or NaN if it cannot be read. */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** Seconds of CPU used by this process so far. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Reads the server's and this process's CPU clocks now; the returned function gives µs per request since then. */
export function cpuMeter(serverCpuSeconds: () => number): (requests: number) => { serverCpuUs: number; generatorCpuUs: number } {
  const server = serverCpuSeconds();
  const generator = ownCpuSeconds();
  return (requests) => ({
    serverCpuUs: ((serverCpuSeconds() - server) * 1e6) / requests,
    generatorCpuUs: ((ownCpuSeconds() - generator) * 1e6) / requests,
  });
}
