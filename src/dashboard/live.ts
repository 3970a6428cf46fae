/**
 * @module
 * The live connection: Server-Sent Events from `/api/v1/live`, read with fetch so the API token can go in
 * a header (EventSource cannot send one). Reconnects by itself, with a growing pause (1 s up to 5 s),
 * after any end: server restart, network loss, or a stream silent for longer than its heartbeat allows.
 */
import { authHeaders } from './api.js';

/** A call as the live stream sends it. */
export interface LiveCall {
  callSid: string;
  accountSid: string;
  from: string;
  to: string;
  timestamp: string;
  status: string;
  durationSeconds: number | null;
  mos: number | null;
}

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

export interface LiveHandlers {
  /** New calls (the newest 50 at most of `count`). */
  onCalls(calls: LiveCall[], count: number): void;
  /** The connection's state changed; `open` comes after every (re)connection, so figures can be refreshed. */
  onState(state: LiveState): void;
}

/** The server sends a comment every 15 s; this long without a byte means the connection is dead. */
const SILENCE_LIMIT_MS = 40_000;
const RETRY_STEPS_MS = [1000, 2000, 3000, 5000];

/** Parses complete SSE events out of `buffer`; returns them and what is left. */
export function parseEvents(buffer: string): { events: Array<{ event: string; data: string }>; rest: string } {
  const events: Array<{ event: string; data: string }> = [];
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return { events, rest };
}

/** Opens the live connection and keeps it open; returns a function that stops it. */
export function connectLive(handlers: LiveHandlers): () => void {
  let stopped = false;
  let attempt = 0;
  let controller: AbortController | null = null;

  const run = async (): Promise<void> => {
    while (!stopped) {
      controller = new AbortController();
      let silence: ReturnType<typeof setTimeout> | undefined;
      const resetSilence = (): void => {
        clearTimeout(silence);
        silence = setTimeout(() => controller?.abort(), SILENCE_LIMIT_MS);
      };
      try {
        resetSilence();
        const response = await fetch('/api/v1/live', { headers: authHeaders(), signal: controller.signal, cache: 'no-store' });
        if (response.status === 401 || response.status === 403) {
          handlers.onState('unauthorized');
          clearTimeout(silence);
          return;
        }
        if (!response.ok || !response.body) throw new Error(`live stream answered ${response.status}`);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          resetSilence();
          const parsed = parseEvents(buffer + value);
          buffer = parsed.rest;
          for (const { event, data } of parsed.events) {
            if (event === 'hello') {
              attempt = 0;
              handlers.onState('live');
            } else if (event === 'calls') {
              const body = JSON.parse(data) as { count: number; calls: LiveCall[] };
              handlers.onCalls(body.calls, body.count);
            }
          }
        }
      } catch {
        // Network error, server gone or silent: reconnect below.
      } finally {
        clearTimeout(silence);
      }
      if (stopped) return;
      handlers.onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, RETRY_STEPS_MS[Math.min(attempt, RETRY_STEPS_MS.length - 1)]));
      attempt += 1;
    }
  };
  handlers.onState('connecting');
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
