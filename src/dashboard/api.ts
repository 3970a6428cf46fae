/**
 * @module
 * The pages' access to the read API: GET with the session's token (kept in sessionStorage, or taken once
 * from the URL fragment `#token=…` for wall displays, then removed from the address bar).
 */

const TOKEN_KEY = 'callpulse.token';

/** An API answer other than 2xx, with the API's coded message. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** The API token of this browser tab, if one was given. */
export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Keeps (or with null, forgets) the token for this tab's session. */
export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Takes `#token=…` from the address into the session and removes it from the address bar. */
export function adoptTokenFromFragment(): void {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!match) return;
  setToken(decodeURIComponent(match[1]!));
  history.replaceState(null, '', location.pathname + location.search);
}

/** Request headers carrying the token. */
export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** GETs an API path with query parameters (undefined ones left out) and returns the parsed JSON. */
export async function getJson<T>(path: string, params: Record<string, string | number | undefined> = {}, signal?: AbortSignal): Promise<T> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(name, String(value));
  const url = query.size > 0 ? `${path}?${query}` : path;
  const response = await fetch(url, { headers: authHeaders(), signal, cache: 'no-store' });
  const body = (await response.json().catch(() => null)) as (T & { error?: string; code?: string }) | null;
  if (!response.ok || body === null) {
    throw new ApiError(response.status, body?.code ?? 'CP_ERR_INTERNAL', body?.error ?? `the server answered ${response.status}`);
  }
  return body;
}
