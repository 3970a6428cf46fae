// A Hono app (on Node.js through @hono/node-server) that receives SignalWire's incoming call status callback
// with callpulse's Web-standard handler, `(request: Request) => Promise<Response>`. The same handler serves
// a Next.js route handler: `export const POST = handler; export const GET = handler;`.
//
//   SIGNALWIRE_SIGNING_KEY=PSK_xxx node examples/hono.js
//
// Environment: PORT (3000), HOST (127.0.0.1), PUBLIC_URL (the origin SignalWire calls, if a proxy is in
// front), TRUST_PROXY=true.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createWebHandler } from 'callpulse';

const key = process.env.SIGNALWIRE_SIGNING_KEY;
if (!key) {
  console.error('Set SIGNALWIRE_SIGNING_KEY to your SignalWire signing key (Dashboard → API → Signing Key).');
  process.exit(2);
}

const onCallStatus = createWebHandler({
  keys: key,
  publicUrl: process.env.PUBLIC_URL,
  trustProxy: process.env.TRUST_PROXY === 'true',
  onCall: (event) => {
    console.log(`call ${event.callSid} ${event.status} from ${event.from} ${event.durationSeconds ?? '-'} s MOS ${event.mos ?? '-'}`);
  },
});

const app = new Hono();
app.on(['GET', 'POST'], '/webhooks/signalwire/call-status', (c) => onCallStatus(c.req.raw));

const server = serve({ fetch: app.fetch, hostname: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 3000) }, (info) => {
  console.log(`listening on http://${info.address}:${info.port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => server.close());
