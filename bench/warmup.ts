/**
 * Before measuring a server: check that one signed callback is answered 200, then warm it up and
 * estimate its throughput with closed-loop runs of growing size until one lasts about `seconds`.
 */
import { FORM_TYPE, signedCallback } from './callbacks.js';
import { assertAllOk, runClosedLoop } from './load.js';
import type { Target } from './targets.js';

const MAX_STEPS = 6;

/** Sends one signed callback and throws unless the answer is 200. */
export async function probe(target: Target, key: string): Promise<void> {
  const callback = signedCallback(key, target.url);
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': FORM_TYPE, 'x-signalwire-signature': callback.signature },
    body: callback.body.toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${target.name}: a signed callback was answered ${response.status}: ${text.slice(0, 300)}`);
}

/** Warms the server up; resolves with its estimated requests/s and how many 2xx answers that took. */
export async function warmUp(target: Target, key: string, connections: number, seconds: number): Promise<{ rate: number; ok: number }> {
  let amount = connections * 2;
  let ok = 0;
  for (let step = 1; ; step++) {
    const result = await runClosedLoop({ target, key, connections, amount, maxSeconds: seconds * 4 + 30 });
    assertAllOk(`${target.name} (warm-up)`, result);
    ok += result.ok;
    if (result.seconds >= seconds * 0.8 || step === MAX_STEPS) return { rate: result.requestsPerSecond, ok };
    // Aim at `seconds`, but grow at most 20x at a time: a tiny first run says little about the rate.
    amount = Math.min(amount * 20, Math.ceil(result.requestsPerSecond * seconds * 1.1));
  }
}
