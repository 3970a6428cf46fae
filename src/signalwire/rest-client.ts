/**
 * @module
 * A small client for SignalWire's Compatibility REST API (`{space}/api/laml/2010-04-01`): HTTP Basic auth
 * with the Project ID and an API token, JSON answers, form-encoded updates, list paging by following
 * `next_page_uri`, a timeout per attempt, retries with exponential backoff on 429, 5xx, timeouts and
 * dropped connections (honouring `Retry-After`), and one error class whose message says what to check.
 * The token is sent only to the configured origin and never appears in an error.
 */

/** The Compatibility API's path prefix, under the space's origin. */
export const API_PREFIX = '/api/laml/2010-04-01';

/** Why a request failed, as far as the caller needs to tell. */
export type ApiFailureKind =
  | 'unauthorized' // 401/403: credentials or scope
  | 'not-found' // 404
  | 'rate-limited' // 429 beyond what retries could absorb
  | 'server' // 5xx after every retry
  | 'timeout' // no answer in time, after every retry
  | 'network' // refused, unknown host, dropped
  | 'rejected' // another 4xx: the request itself was refused
  | 'bad-response'; // an answer that is not what the API documents

/** A failed API call; `message` is one sentence naming what to check, never the token. */
export class SignalWireApiError extends Error {
  constructor(readonly kind: ApiFailureKind, message: string, readonly status: number | null = null) {
    super(message);
    this.name = 'SignalWireApiError';
  }
}

/** The API-token scope a request needs, named in 401/403 messages. */
export type ApiScope = 'Numbers' | 'Voice';

export interface RestClientOptions {
  /** The API origin, e.g. `https://example.signalwire.com` (no path). */
  spaceUrl: string;
  projectId: string;
  apiToken: string;
  /** Time allowed for one attempt, answer body included (default 15 s). */
  timeoutMs?: number;
  /** Attempts after the first one, for 429, 5xx, timeouts and dropped connections (default 4). */
  retries?: number;
  /** The first backoff; it doubles on each retry, up to 10 s (default 500 ms). */
  backoffMs?: number;
  /** The longest `Retry-After` honoured; a longer one fails at once (default 120 s). */
  maxRetryAfterMs?: number;
  /** How to wait between attempts (tests record the delays). */
  sleep?: (ms: number) => Promise<void>;
  /** Told about each retry, e.g. to print "rate limited, retrying in 2 s". */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

/** One page of a list, as documented: the items under their key, and the next page's URI (or null). */
interface PageBody {
  next_page_uri?: unknown;
  [key: string]: unknown;
}

/** Transient failures worth another attempt. */
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
/** Connection errors that may pass; refused connections and unknown hosts are configuration problems. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED']);
const MAX_BACKOFF_MS = 10_000;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `Retry-After` in milliseconds: delay-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function describeNetworkError(code: string | undefined): string {
  switch (code) {
    case 'ECONNREFUSED': return 'the connection was refused';
    case 'ENOTFOUND': return 'the host name does not resolve';
    case 'EAI_AGAIN': return 'the host name could not be resolved right now';
    case 'ECONNRESET': case 'UND_ERR_SOCKET': case 'UND_ERR_CLOSED': return 'the connection was dropped';
    case 'ETIMEDOUT': case 'UND_ERR_CONNECT_TIMEOUT': return 'the connection timed out';
    default: return code?.includes('CERT') ? `its TLS certificate was refused (${code})` : `the request failed${code ? ` (${code})` : ''}`;
  }
}

/** SignalWire's error body is `{ code, message, more_info, status }`; its message, when there is one. */
function apiMessage(text: string): string | null {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    return typeof body.message === 'string' && body.message.trim() !== '' ? body.message.trim().replace(/\s+/g, ' ').slice(0, 200) : null;
  } catch {
    return null;
  }
}

/** The Compatibility REST API for one project. */
export class SignalWireRestClient {
  readonly origin: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: RestClientOptions) {
    this.origin = new URL(options.spaceUrl).origin;
    this.authorization = 'Basic ' + Buffer.from(`${options.projectId}:${options.apiToken}`).toString('base64');
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.retries = options.retries ?? 4;
    this.backoffMs = options.backoffMs ?? 500;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** The Project ID the client works for. */
  get projectId(): string {
    return this.options.projectId;
  }

  /** `/Accounts/{ProjectID}`: the start of every project resource's path. */
  get accountPath(): string {
    return `/Accounts/${encodeURIComponent(this.options.projectId)}`;
  }

  /** GETs one resource (`path` under the API prefix) and returns its JSON. */
  async get<T>(path: string, scope: ApiScope, query: Record<string, string> = {}): Promise<T> {
    return (await this.request('GET', this.url(path, query), scope)) as T;
  }

  /** POSTs form fields to a resource (an update) and returns the resource's JSON as answered. */
  async postForm<T>(path: string, scope: ApiScope, form: Record<string, string>): Promise<T> {
    return (await this.request('POST', this.url(path, {}), scope, new URLSearchParams(form).toString())) as T;
  }

  /**
   * Every item of a list resource, page after page: the items are under `key` in each page, and the next
   * page is wherever `next_page_uri` says (on this origin), until it is null.
   */
  async *list<T>(path: string, key: string, scope: ApiScope, query: Record<string, string> = {}): AsyncGenerator<T> {
    let url: URL | null = this.url(path, query);
    const seen = new Set<string>();
    while (url !== null) {
      seen.add(url.href);
      const page = (await this.request('GET', url, scope)) as PageBody;
      const items = page?.[key];
      if (!Array.isArray(items)) {
        throw new SignalWireApiError('bad-response', `SignalWire's answer to GET ${url.pathname} has no "${key}" list; is --space-url a SignalWire space?`);
      }
      for (const item of items) yield item as T;
      url = this.nextPage(page.next_page_uri, url, seen);
    }
  }

  private nextPage(next: unknown, current: URL, seen: Set<string>): URL | null {
    if (next === null || next === undefined || next === '') return null;
    if (typeof next !== 'string') throw new SignalWireApiError('bad-response', `next_page_uri in the answer to GET ${current.pathname} is not a string`);
    const url = new URL(next, this.origin);
    if (url.origin !== this.origin) {
      throw new SignalWireApiError('bad-response', `next_page_uri points to another host (${url.origin}); the API token is only sent to ${this.origin}`);
    }
    if (seen.has(url.href)) throw new SignalWireApiError('bad-response', `next_page_uri repeats a page already read (${url.pathname}${url.search}); stopping`);
    return url;
  }

  private url(path: string, query: Record<string, string>): URL {
    const url = new URL(API_PREFIX + path, this.origin);
    for (const [name, value] of Object.entries(query)) url.searchParams.append(name, value);
    return url;
  }

  private async request(method: 'GET' | 'POST', url: URL, scope: ApiScope, body?: string): Promise<unknown> {
    const what = `${method} ${url.origin}${url.pathname}`;
    for (let attempt = 0; ; attempt++) {
      const retry = async (reason: string, delayMs: number): Promise<void> => {
        this.options.onRetry?.({ attempt: attempt + 1, delayMs, reason });
        await this.sleep(delayMs);
      };
      const backoff = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2 ** attempt) * (0.75 + Math.random() * 0.25);
      const lastAttempt = attempt >= this.retries;
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method,
          headers: {
            authorization: this.authorization,
            accept: 'application/json',
            'user-agent': 'callpulse',
            ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
          },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        text = await response.text();
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
        const code = networkCode(error);
        if (timedOut) {
          if (lastAttempt) throw new SignalWireApiError('timeout', `${what} got no answer within ${this.timeoutMs / 1000} s, ${attempt + 1} time(s); check your network, or raise --timeout`);
          await retry(`no answer within ${this.timeoutMs / 1000} s`, backoff);
          continue;
        }
        if (code !== undefined && TRANSIENT_CODES.has(code) && !lastAttempt) {
          await retry(describeNetworkError(code), backoff);
          continue;
        }
        throw new SignalWireApiError('network', `cannot reach ${url.origin}: ${describeNetworkError(code)}; check SIGNALWIRE_SPACE (or --space-url) and your network`);
      }

      if (response.ok) {
        try {
          return text === '' ? {} : (JSON.parse(text) as unknown);
        } catch {
          throw new SignalWireApiError('bad-response', `${what} answered ${response.status} with a body that is not JSON; is ${url.origin} a SignalWire space?`, response.status);
        }
      }
      const status = response.status;
      const detail = apiMessage(text);
      if (RETRY_STATUSES.has(status)) {
        const asked = retryAfterMs(response.headers.get('retry-after'));
        if (asked !== null && asked > this.maxRetryAfterMs) {
          throw new SignalWireApiError('rate-limited', `${what} answered ${status} and asks to wait ${Math.ceil(asked / 1000)} s (Retry-After), more than the ${this.maxRetryAfterMs / 1000} s allowed; try again later`, status);
        }
        if (!lastAttempt) {
          await retry(status === 429 ? 'rate limited (429)' : `server error (${status})`, asked ?? backoff);
          continue;
        }
        if (status === 429) throw new SignalWireApiError('rate-limited', `${what} is still rate limited (429) after ${attempt + 1} attempts; try again later`, status);
        throw new SignalWireApiError('server', `${what} answered ${status} ${response.statusText} ${attempt + 1} time(s)${detail ? ` (${detail})` : ''}; SignalWire may be having trouble, try again later`, status);
      }
      if (status === 401 || status === 403) {
        throw new SignalWireApiError(
          'unauthorized',
          `SignalWire refused the credentials for ${what} (${status}${detail ? `: ${detail}` : ''}); check SIGNALWIRE_PROJECT_ID and SIGNALWIRE_API_TOKEN, and that the token has the ${scope} scope`,
          status,
        );
      }
      if (status === 404) {
        throw new SignalWireApiError('not-found', `${what} answered 404 Not Found; check SIGNALWIRE_SPACE (or --space-url) and SIGNALWIRE_PROJECT_ID`, status);
      }
      throw new SignalWireApiError('rejected', `${what} was refused with ${status}${detail ? `: ${detail}` : ` ${response.statusText}`}`, status);
    }
  }
}
