/**
 * @module
 * `POST|GET /webhooks/signalwire/call-status`: the raw request goes to ingest (verify, validate,
 * group commit); the answer is sent only after the commit.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Ingest } from '../../ingest/ingest.js';
import { publicUrlOf, type PublicUrlSettings } from '../public-url.js';

export const WEBHOOK_PATH = '/webhooks/signalwire/call-status';

function signatureOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-signalwire-signature'] ?? request.headers['x-twilio-signature'];
  return Array.isArray(header) ? header[0] : header;
}

export function registerWebhookRoute(app: FastifyInstance, ingest: Ingest, urls: PublicUrlSettings): void {
  app.route({
    method: ['POST', 'GET'],
    url: WEBHOOK_PATH,
    handler: async (request, reply) => {
      const answer = await ingest.receive({
        method: request.method,
        url: publicUrlOf(request.url, request.headers, urls, 'encrypted' in request.socket),
        contentType: request.headers['content-type'],
        rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
        signature: signatureOf(request),
      });
      return reply.code(answer.status).type('application/json; charset=utf-8').send(JSON.stringify(answer.body));
    },
  });
}
