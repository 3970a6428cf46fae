/**
 * Distinct, validly signed call status callbacks, signed ahead of time so that signing does not load
 * the load generator while it measures. Signatures follow SignalWire's Scheme B (form bodies):
 * base64 HMAC-SHA1(key, url + every parameter sorted by name, each as name + value).
 */
import { createHmac, randomUUID } from 'node:crypto';

export const WEBHOOK_PATH = '/webhooks/signalwire/call-status';
export const FORM_TYPE = 'application/x-www-form-urlencoded';

/** One request ready to send: the form body and its X-SignalWire-Signature. */
export interface SignedCallback {
  body: Buffer;
  signature: string;
}

let sequence = 0;

/**
 * The fields of the next callback. The CallSid is a random UUID, as SignalWire's are: random keys land all
 * over the CallSid index, which costs a store far more than ordered ones would, so the benchmark must not
 * flatter it with ordered ids.
 */
function nextFields(): Array<[string, string]> {
  const n = sequence++;
  const completed = n % 5 !== 0;
  return [
    ['CallSid', randomUUID()],
    ['AccountSid', 'AC8c1e2f3a4b5c6d7e8f9a0b1c2d3e4f50'],
    ['From', '+1555' + String(1_000_000 + (n % 9_000_000)).padStart(7, '0')],
    ['To', '+1555' + String(2_000_000 + (n % 1_000)).padStart(7, '0')],
    ['Timestamp', 'Thu, 04 Apr 2024 18:32:15 +0000'],
    ['CallStatus', completed ? 'completed' : 'failed'],
    ['CallDuration', completed ? String(5 + (n % 600)) : '0'],
    ['AudioInMos', (3 + (n % 200) / 100).toFixed(2)],
  ];
}

/** Scheme B signature of a form POST to `url`. */
export function signForm(key: string, url: string, fields: ReadonlyArray<[string, string]>): string {
  const sorted = [...fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = url + sorted.map(([name, value]) => name + value).join('');
  return createHmac('sha1', key).update(text).digest('base64');
}

/** Signs one new callback for `url` (the exact URL the server will rebuild from the Host header). */
export function signedCallback(key: string, url: string): SignedCallback {
  const fields = nextFields();
  return { body: Buffer.from(new URLSearchParams(fields).toString()), signature: signForm(key, url, fields) };
}

/**
 * A pool of callbacks signed in advance for one server. `next()` hands each out once; should a run
 * need more than was signed, it signs the rest on the spot and counts them in `signedLate`.
 */
export class CallbackPool {
  private readonly items: SignedCallback[] = [];
  private cursor = 0;
  signedLate = 0;

  constructor(private readonly key: string, private readonly url: string, size: number) {
    for (let i = 0; i < size; i++) this.items.push(signedCallback(key, url));
  }

  next(): SignedCallback {
    const item = this.items[this.cursor];
    if (item === undefined) {
      this.signedLate += 1;
      return signedCallback(this.key, this.url);
    }
    this.cursor += 1;
    return item;
  }
}
