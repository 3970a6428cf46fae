/**
 * @module
 * The project's incoming numbers and where their status callbacks go: list them
 * (`GET /Accounts/{ProjectID}/IncomingPhoneNumbers`, every page), and point the chosen ones at our
 * webhook (`POST /Accounts/{ProjectID}/IncomingPhoneNumbers/{Sid}` with `StatusCallback` and
 * `StatusCallbackMethod`), leaving those already right alone and reading each update back to verify it.
 */
import { SignalWireApiError, type SignalWireRestClient } from './rest-client.js';

/** The methods SignalWire can use for a status callback. */
export const CALLBACK_METHODS = ['POST', 'GET'] as const;
export type CallbackMethod = (typeof CALLBACK_METHODS)[number];

/** An incoming number and where its status callbacks go. */
export interface IncomingNumber {
  sid: string;
  phoneNumber: string;
  friendlyName: string;
  /** The `StatusCallback` URL; '' when none is set. */
  statusCallback: string;
  /** `POST` or `GET` (as the API answers it, upper-cased). */
  statusCallbackMethod: string;
}

/** Where the callbacks should go. */
export interface CallbackTarget {
  url: string;
  method: CallbackMethod;
}

/** What configuring one number did. */
export interface ConfigureResult {
  number: IncomingNumber;
  outcome: 'unchanged' | 'updated' | 'would update' | 'failed';
  /** Why it failed. */
  detail?: string;
}

interface NumberResource {
  sid?: unknown;
  phone_number?: unknown;
  friendly_name?: unknown;
  status_callback?: unknown;
  status_callback_method?: unknown;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function toIncomingNumber(resource: NumberResource): IncomingNumber {
  if (typeof resource?.sid !== 'string' || resource.sid === '') {
    throw new SignalWireApiError('bad-response', 'an IncomingPhoneNumber in SignalWire\'s answer has no sid');
  }
  return {
    sid: resource.sid,
    phoneNumber: text(resource.phone_number),
    friendlyName: text(resource.friendly_name),
    statusCallback: text(resource.status_callback),
    statusCallbackMethod: (text(resource.status_callback_method) || 'POST').toUpperCase(),
  };
}

/** Every incoming number of the project, in the API's order. */
export async function listIncomingNumbers(client: SignalWireRestClient): Promise<IncomingNumber[]> {
  const numbers: IncomingNumber[] = [];
  const pages = client.list<NumberResource>(`${client.accountPath}/IncomingPhoneNumbers`, 'incoming_phone_numbers', 'Numbers', { PageSize: '1000' });
  for await (const resource of pages) numbers.push(toIncomingNumber(resource));
  return numbers;
}

/** True when the number's callbacks already go to `target` (same URL, same method). */
export function pointsAt(number: IncomingNumber, target: { url: string; method?: string }): boolean {
  return number.statusCallback === target.url && (target.method === undefined || number.statusCallbackMethod === target.method);
}

/** Why `url` cannot be a callback URL, or null when it can: absolute, https (http only when allowed), no credentials. */
export function callbackUrlProblem(url: string, allowHttp: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `--url must be an absolute URL like https://calls.example.com/webhooks/signalwire/call-status, got "${url}"`;
  }
  if (parsed.protocol === 'http:' && !allowHttp) {
    return `--url must be https (callbacks carry caller numbers); pass --allow-http to use ${url} anyway`;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return `--url must be an https URL, got "${url}"`;
  if (parsed.username !== '' || parsed.password !== '') return '--url must not carry a user name or password';
  return null;
}

/** Keeps only digits and a leading +, so "+1 (555) 010-0001" matches "+15550100001". */
function normalise(phone: string): string {
  return phone.trim().replace(/[\s().-]/g, '');
}

/**
 * The numbers to configure: all of them, or those named (E.164; spaces, dashes and brackets ignored).
 * Throws when a named number is not in the project, listing every such one, before anything changes.
 */
export function selectNumbers(numbers: readonly IncomingNumber[], wanted: readonly string[], all: boolean): IncomingNumber[] {
  if (all) return [...numbers];
  const byPhone = new Map(numbers.map((n) => [normalise(n.phoneNumber), n]));
  const unknown = wanted.filter((phone) => !byPhone.has(normalise(phone)));
  if (unknown.length > 0) {
    throw new Error(`${unknown.join(', ')} ${unknown.length === 1 ? 'is not an incoming number' : 'are not incoming numbers'} of this project; nothing was changed (see callpulse numbers list)`);
  }
  return [...new Set(wanted.map((phone) => byPhone.get(normalise(phone))!))];
}

/**
 * Points each number at `target`. A number already right is left alone; with `dryRun` nothing is sent.
 * Each update is read back (`GET .../IncomingPhoneNumbers/{Sid}`) and counts as done only when the read-back
 * shows the target. A number that fails does not stop the others; bad credentials or an unreachable API do.
 */
export async function configureNumbers(
  client: SignalWireRestClient, numbers: readonly IncomingNumber[], target: CallbackTarget, options: { dryRun: boolean },
): Promise<ConfigureResult[]> {
  const results: ConfigureResult[] = [];
  for (const number of numbers) {
    if (pointsAt(number, target)) {
      results.push({ number, outcome: 'unchanged' });
      continue;
    }
    if (options.dryRun) {
      results.push({ number, outcome: 'would update' });
      continue;
    }
    const path = `${client.accountPath}/IncomingPhoneNumbers/${encodeURIComponent(number.sid)}`;
    try {
      await client.postForm(path, 'Numbers', { StatusCallback: target.url, StatusCallbackMethod: target.method });
      const readBack = toIncomingNumber(await client.get<NumberResource>(path, 'Numbers'));
      if (pointsAt(readBack, target)) results.push({ number: readBack, outcome: 'updated' });
      else {
        results.push({
          number: readBack, outcome: 'failed',
          detail: `read back ${readBack.statusCallbackMethod} ${readBack.statusCallback || '(none)'} after the update`,
        });
      }
    } catch (error) {
      if (!(error instanceof SignalWireApiError) || error.kind === 'unauthorized' || error.kind === 'network') throw error;
      results.push({ number, outcome: 'failed', detail: error.message });
    }
  }
  return results;
}
