/**
 * @module
 * A fake of SignalWire's Compatibility REST API on a real node:http server (127.0.0.1, random port),
 * written from the documentation and independent of src/signalwire: it checks the Basic auth header,
 * the paths, the form fields and the paging exactly as documented, keeps IncomingPhoneNumbers and Calls
 * in memory, logs every request, and fails on purpose when told to (any status with Retry-After, a
 * request that never gets an answer, a dropped connection).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const PREFIX = '/api/laml/2010-04-01';

/** An IncomingPhoneNumber resource, with the fields the API documents (a subset that matters here). */
export interface FakeNumber {
  sid: string;
  phone_number: string;
  friendly_name: string;
  status_callback: string;
  status_callback_method: string;
  voice_url: string;
}

/** A Call resource as the API lists it. */
export interface FakeCall {
  sid: string;
  account_sid: string;
  date_created: string;
  date_updated: string;
  start_time: string | null;
  end_time: string | null;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  status: string;
  duration: number | string | null;
  phone_number_sid?: string | null;
}

/** A failure to serve instead of the next matching request. */
export type FakeFailure =
  | { kind: 'status'; status: number; retryAfter?: string; body?: unknown }
  | { kind: 'hang' } // accept the request and never answer
  | { kind: 'drop' }; // destroy the connection without an answer

/** One request as the fake received it. */
export interface LoggedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  contentType: string | undefined;
  form: URLSearchParams | null;
  answered: number;
}

export interface FakeSignalWire {
  spaceUrl: string;
  projectId: string;
  apiToken: string;
  numbers: FakeNumber[];
  calls: FakeCall[];
  requests: LoggedRequest[];
  /** Queues failures, served in order to the next requests whose `METHOD /path?query` matches `pattern`. */
  fail(pattern: RegExp, ...failures: FakeFailure[]): void;
  /** Makes every update store this value instead of the one sent (a number whose read-back differs). */
  tamper: Map<string, string>;
  close(): Promise<void>;
}

export interface FakeOptions {
  projectId?: string;
  apiToken?: string;
  numbers?: FakeNumber[];
  calls?: FakeCall[];
  /** The page size used when the request gives none (the API's default is 50). */
  defaultPageSize?: number;
  /** The largest page served whatever PageSize asks (the API allows 1000), to make small lists page. */
  maxPageSize?: number;
}

/** A new number resource for the fake. */
export function fakeNumber(phone: string, statusCallback = '', method = 'POST'): FakeNumber {
  return {
    sid: randomUUID(),
    phone_number: phone,
    friendly_name: phone,
    status_callback: statusCallback,
    status_callback_method: method,
    voice_url: 'https://example.com/voice.xml',
  };
}

/** RFC 2822 in GMT, as the API writes dates: `Wed, 19 Sep 2018 20:00:00 +0000`. */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

function errorBody(status: number, message: string): unknown {
  return { code: String(status), message, more_info: 'https://developer.signalwire.com/compatibility-api/reference/error-codes', status };
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
  return status;
}

const CALLS_PARAMS = new Set(['StartTime', 'StartTime<', 'StartTime>', 'EndTime', 'EndTime<', 'EndTime>', 'Status', 'To', 'From', 'ParentCallSid', 'Page', 'PageSize', 'PageToken']);
const NUMBER_LIST_PARAMS = new Set(['PhoneNumber', 'FriendlyName', 'Beta', 'Origin', 'Page', 'PageSize', 'PageToken']);
const UPDATE_FIELDS = new Set([
  'AccountSid', 'FriendlyName', 'SmsApplicationSid', 'SmsFallbackMethod', 'SmsFallbackUrl', 'SmsMethod', 'SmsUrl',
  'StatusCallback', 'StatusCallbackMethod', 'VoiceApplicationSid', 'VoiceCallerIdLookup', 'VoiceFallbackMethod',
  'VoiceFallbackUrl', 'VoiceMethod', 'VoiceUrl', 'VoiceReceiveMode', 'EmergencyAddressSid', 'TrunkSid',
]);

/** Starts the fake on 127.0.0.1 and a random port. */
export async function startFakeSignalWire(options: FakeOptions = {}): Promise<FakeSignalWire> {
  const projectId = options.projectId ?? 'b3877c40-da60-4998-90ad-b792e98472af';
  const apiToken = options.apiToken ?? 'PT' + randomUUID().replaceAll('-', '');
  const expectedAuth = 'Basic ' + Buffer.from(`${projectId}:${apiToken}`).toString('base64');
  const numbers = options.numbers ?? [];
  const calls = options.calls ?? [];
  const requests: LoggedRequest[] = [];
  const failures: Array<{ pattern: RegExp; failure: FakeFailure }> = [];
  const tamper = new Map<string, string>();
  /** PageToken -> what the next page continues. */
  const pageTokens = new Map<string, { list: string; filterKey: string; page: number; pageSize: number }>();
  const sockets = new Set<Socket>();
  const hanging: ServerResponse[] = [];

  /**
   * Serves one page of a list. The first page is filtered by the query; later pages are reached only
   * through `next_page_uri`, which carries Page, PageSize and PageToken and nothing else: the token
   * remembers the filters, as the documented example shows.
   */
  function page<T>(
    response: ServerResponse, list: string, key: string, query: URLSearchParams, select: (filters: URLSearchParams) => T[] | string,
  ): number {
    const token = query.get('PageToken');
    let pageNumber = 0;
    let filters = query;
    let pageSizeText = query.get('PageSize');
    if (token !== null) {
      const saved = pageTokens.get(token);
      if (!saved || saved.list !== list) return send(response, 400, errorBody(400, 'Invalid PageToken'));
      const extra = [...query.keys()].filter((name) => !['Page', 'PageSize', 'PageToken'].includes(name));
      if (extra.length > 0) return send(response, 400, errorBody(400, `next_page_uri carries no ${extra[0]}; follow it as given`));
      if (query.get('Page') !== String(saved.page) || query.get('PageSize') !== String(saved.pageSize)) {
        return send(response, 400, errorBody(400, 'Page and PageSize must match the PageToken'));
      }
      pageNumber = saved.page;
      filters = new URLSearchParams(saved.filterKey);
      pageSizeText = String(saved.pageSize);
    } else if (query.get('Page') !== null && query.get('Page') !== '0') {
      return send(response, 400, errorBody(400, 'Pages after the first need the PageToken from next_page_uri'));
    }
    const asked = pageSizeText === null ? options.defaultPageSize ?? 50 : Number(pageSizeText);
    if (!Number.isInteger(asked) || asked < 1 || asked > 1000) return send(response, 400, errorBody(400, 'PageSize must be from 1 to 1000'));
    const pageSize = token === null ? Math.min(asked, options.maxPageSize ?? 1000) : asked;
    const items = select(filters);
    if (typeof items === 'string') return send(response, 400, errorBody(400, items));
    const slice = items.slice(pageNumber * pageSize, (pageNumber + 1) * pageSize);
    let next: string | null = null;
    if ((pageNumber + 1) * pageSize < items.length) {
      const nextToken = 'PA' + randomUUID();
      const kept = new URLSearchParams([...filters].filter(([name]) => !['Page', 'PageSize', 'PageToken'].includes(name)));
      pageTokens.set(nextToken, { list, filterKey: kept.toString(), page: pageNumber + 1, pageSize });
      next = `${PREFIX}/Accounts/${projectId}/${list}?Page=${pageNumber + 1}&PageSize=${pageSize}&PageToken=${nextToken}`;
    }
    return send(response, 200, {
      uri: `${PREFIX}/Accounts/${projectId}/${list}?Page=${pageNumber}&PageSize=${pageSize}`,
      first_page_uri: `${PREFIX}/Accounts/${projectId}/${list}?Page=0&PageSize=${pageSize}`,
      next_page_uri: next, previous_page_uri: null, page: pageNumber, page_size: pageSize, [key]: slice,
    });
  }

  function selectCalls(filters: URLSearchParams): FakeCall[] | string {
    for (const name of filters.keys()) {
      if (!CALLS_PARAMS.has(name)) return `Unknown parameter ${name}`;
    }
    let selected = [...calls].sort((a, b) => Date.parse(b.date_created) - Date.parse(a.date_created));
    const after = filters.get('StartTime>');
    if (after !== null) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(after)) return 'StartTime> must be a date YYYY-MM-DD';
      const midnight = Date.parse(`${after}T00:00:00Z`);
      selected = selected.filter((call) => call.start_time !== null && Date.parse(call.start_time) >= midnight);
    }
    const status = filters.get('Status');
    if (status !== null) selected = selected.filter((call) => call.status === status);
    return selected;
  }

  function selectNumbers(filters: URLSearchParams): FakeNumber[] | string {
    for (const name of filters.keys()) {
      if (!NUMBER_LIST_PARAMS.has(name)) return `Unknown parameter ${name}`;
    }
    const phone = filters.get('PhoneNumber');
    return phone === null ? numbers : numbers.filter((n) => n.phone_number === phone);
  }

  function updateNumber(response: ServerResponse, number: FakeNumber, form: URLSearchParams): number {
    for (const name of form.keys()) {
      if (!UPDATE_FIELDS.has(name)) return send(response, 400, errorBody(400, `Unknown parameter ${name}`));
    }
    const method = form.get('StatusCallbackMethod');
    if (method !== null && method !== 'GET' && method !== 'POST') return send(response, 400, errorBody(400, 'StatusCallbackMethod must be GET or POST'));
    const callback = form.get('StatusCallback');
    if (callback !== null) number.status_callback = tamper.get(number.sid) ?? callback;
    if (method !== null) number.status_callback_method = method;
    return send(response, 200, { ...number, account_sid: projectId, uri: `${PREFIX}/Accounts/${projectId}/IncomingPhoneNumbers/${number.sid}` });
  }

  function route(request: IncomingMessage, response: ServerResponse, url: URL, form: URLSearchParams | null): number {
    if (request.headers.authorization !== expectedAuth) {
      return send(response, 401, errorBody(401, 'Authentication Failed'), { 'www-authenticate': 'Basic realm="SignalWire"' });
    }
    const account = `${PREFIX}/Accounts/${projectId}`;
    if (!url.pathname.startsWith(account + '/')) return send(response, 404, errorBody(404, 'The requested resource was not found'));
    const rest = url.pathname.slice(account.length);
    if (request.method === 'GET' && rest === '/IncomingPhoneNumbers') {
      return page(response, 'IncomingPhoneNumbers', 'incoming_phone_numbers', url.searchParams, selectNumbers);
    }
    if (request.method === 'GET' && rest === '/Calls') return page(response, 'Calls', 'calls', url.searchParams, selectCalls);
    const numberMatch = /^\/IncomingPhoneNumbers\/([^/]+)$/.exec(rest);
    if (numberMatch) {
      const number = numbers.find((n) => n.sid === decodeURIComponent(numberMatch[1]!));
      if (!number) return send(response, 404, errorBody(404, 'The requested resource was not found'));
      if (request.method === 'GET') return send(response, 200, { ...number, account_sid: projectId });
      if (request.method === 'POST') {
        if ((request.headers['content-type'] ?? '').split(';')[0] !== 'application/x-www-form-urlencoded' || form === null) {
          return send(response, 415, errorBody(415, 'Updates are form-encoded'));
        }
        return updateNumber(response, number, form);
      }
    }
    return send(response, 404, errorBody(404, 'The requested resource was not found'));
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const body = Buffer.concat(chunks).toString('utf8');
      const form = request.method === 'POST' ? new URLSearchParams(body) : null;
      const logged: LoggedRequest = {
        method: request.method ?? '', path: url.pathname, query: url.searchParams, authorization: request.headers.authorization,
        contentType: request.headers['content-type'], form, answered: 0,
      };
      requests.push(logged);
      const index = failures.findIndex(({ pattern }) => pattern.test(`${request.method} ${url.pathname}${url.search}`));
      if (index >= 0) {
        const { failure } = failures.splice(index, 1)[0]!;
        if (failure.kind === 'hang') return void hanging.push(response);
        if (failure.kind === 'drop') return void request.socket.destroy();
        logged.answered = send(response, failure.status, failure.body ?? errorBody(failure.status, 'Injected failure'),
          failure.retryAfter === undefined ? {} : { 'retry-after': failure.retryAfter });
        return;
      }
      logged.answered = route(request, response, url, form);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    spaceUrl: `http://127.0.0.1:${port}`,
    projectId,
    apiToken,
    numbers,
    calls,
    requests,
    tamper,
    fail(pattern, ...list) {
      for (const failure of list) failures.push({ pattern, failure });
    },
    async close() {
      for (const response of hanging) response.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 where nothing listens (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
