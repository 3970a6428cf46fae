/**
 * @module
 * The read API's access rule: with an API token configured, `Authorization: Bearer <token>` (compared in
 * constant time); without one, loopback clients only, and never through a trusted proxy (a proxy on the
 * same host makes every client look local).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { CallpulseError } from '../domain/errors.js';

export interface AccessSettings {
  token: string | null;
  trustProxy: boolean;
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain) || plain === 'localhost';
}

/** True when an Authorization header carries `Bearer <expected>` (compared in constant time). */
export function tokenMatches(expected: string, header: string | undefined): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!.trim());
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** Throws the coded error to answer when the request may not read the API. */
export function checkReadAccess(request: FastifyRequest, settings: AccessSettings): void {
  if (settings.token !== null) {
    if (!tokenMatches(settings.token, request.headers.authorization)) {
      throw new CallpulseError('CP_ERR_UNAUTHORIZED', 'this API needs Authorization: Bearer <CALLPULSE_API_TOKEN>');
    }
    return;
  }
  const proxied = settings.trustProxy && request.headers['x-forwarded-for'] !== undefined;
  if (proxied || !isLoopbackAddress(request.socket.remoteAddress)) {
    throw new CallpulseError('CP_ERR_FORBIDDEN', 'without CALLPULSE_API_TOKEN set, the read API answers local clients only');
  }
}
