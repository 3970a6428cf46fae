/**
 * The servers under test, each in its own child process listening on 127.0.0.1: start one on a free
 * port, wait until it accepts connections, stop it with SIGTERM. Children still running when this
 * process exits are killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { WEBHOOK_PATH } from './callbacks.js';
import { processCpuSeconds } from './cpu.js';

export type TargetName = 'bare' | 'naive' | 'callpulse';

/** A running server. */
export interface Target {
  name: TargetName;
  port: number;
  /** The webhook URL as the server rebuilds it from the Host header; what signatures cover. */
  url: string;
  /** The SQLite file it writes, or null (bare, or callpulse on another database). */
  dbPath: string | null;
  /** CPU seconds the server process has used so far (NaN where /proc is missing). */
  cpuSeconds(): number;
  /** Sends SIGTERM and waits for the exit (SIGKILL after 15 s); resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  /** A temporary folder for databases; also the servers' working directory. */
  dir: string;
  /** The signing key callpulse verifies with. */
  key: string;
  /** Extra `node` flags for the callpulse process (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** callpulse only: the database to use (e.g. a postgres:// URL) instead of a SQLite file in `dir`. */
  database?: string;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVERS = fileURLToPath(new URL('./servers/', import.meta.url));
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 15_000;
/** Environment variables that would change how callpulse listens or rebuilds URLs. */
const CALLPULSE_ENV = ['HOST', 'PORT', 'PUBLIC_URL', 'TRUST_PROXY', 'DATABASE_URL', 'CALLPULSE_CONFIG', 'CALLPULSE_API_TOKEN'];

const children = new Set<ChildProcess>();
process.on('exit', killAll);

/** Kills every child still running (SIGKILL). */
export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** The command line and environment that start each server. */
function commandFor(name: TargetName, port: number, dbPath: string, options: StartOptions): { args: string[]; env: NodeJS.ProcessEnv } {
  if (name === 'bare') return { args: [join(SERVERS, 'bare.js'), String(port)], env: process.env };
  if (name === 'naive') return { args: [join(SERVERS, 'naive.js'), String(port), dbPath], env: process.env };
  const env: NodeJS.ProcessEnv = { ...process.env, SIGNALWIRE_SIGNING_KEY: options.key, LOG_LEVEL: 'warn' };
  for (const variable of CALLPULSE_ENV) delete env[variable];
  const cli = join(ROOT, 'bin', 'callpulse.js');
  return { args: [...(options.nodeFlags ?? []), cli, 'serve', '--host', '127.0.0.1', '--port', String(port), '--db', options.database ?? dbPath], env };
}

/** Starts one server on a free port and resolves once it accepts connections. */
export async function startTarget(name: TargetName, options: StartOptions): Promise<Target> {
  const port = await freePort();
  const dbPath = join(options.dir, `${name}.db`);
  const { args, env } = commandFor(name, port, dbPath, options);
  const child = spawn(process.execPath, args, { cwd: options.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => (children.delete(child), resolve(code))));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await canConnect(port))) {
    if (exitCode !== undefined) throw new Error(`${name} server exited with code ${exitCode} before listening:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} server did not listen on port ${port} within ${READY_TIMEOUT_MS / 1000} s:\n${output}`);
    }
    await sleep(50);
  }

  return {
    name,
    port,
    url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
    dbPath: name === 'bare' || options.database !== undefined ? null : dbPath,
    cpuSeconds: () => processCpuSeconds(child.pid),
    async stop() {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(timer);
      if (output.trim() !== '') process.stderr.write(`[${name} output]\n${output}\n`);
      return code;
    },
  };
}
