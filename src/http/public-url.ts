/**
 * @module
 * Rebuilds the exact public URL SignalWire called, which signatures cover. Behind a reverse proxy or a
 * TLS terminator the request line alone is not it: PUBLIC_URL gives the origin outright; otherwise
 * X-Forwarded-Proto/-Host are used only when TRUST_PROXY is on (else anyone could choose the URL signed).
 */

/** Request headers by lowercase name, as node:http gives them (a repeated header may be an array). */
export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

/** How to rebuild the public URL of a request. */
export interface PublicUrlSettings {
  /** The origin SignalWire calls, with an optional path prefix and no trailing slash (`https://calls.example.com`); null: from the request. */
  publicUrl: string | null;
  /** Honour `X-Forwarded-Proto` and `X-Forwarded-Host` (only behind a proxy that sets them: otherwise any client could choose the URL checked). */
  trustProxy: boolean;
}

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const first = value?.split(',', 1)[0]?.trim();
  return first === '' ? undefined : first;
}

/**
 * The full URL of a request: origin (configured, forwarded or from the Host header) + the raw path and query
 * (`rawUrl`, as in the request line). `encrypted` says the connection itself is TLS.
 */
export function publicUrlOf(rawUrl: string, headers: HeaderBag, settings: PublicUrlSettings, encrypted = false): string {
  if (settings.publicUrl !== null) return settings.publicUrl + rawUrl;
  const forwardedProto = settings.trustProxy ? firstValue(headers['x-forwarded-proto']) : undefined;
  const forwardedHost = settings.trustProxy ? firstValue(headers['x-forwarded-host']) : undefined;
  const proto = forwardedProto ?? (encrypted ? 'https' : 'http');
  const host = forwardedHost ?? headers.host ?? 'localhost';
  return `${proto}://${host}${rawUrl}`;
}
