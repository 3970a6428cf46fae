// A Fastify app that receives SignalWire's incoming call status callback with callpulse's plugin, and keeps
// the calls and their metrics in-process with callpulse/store.
//
//   SIGNALWIRE_SIGNING_KEY=PSK_xxx node examples/fastify.js
//
// Point a number's StatusCallback at http://<host>:3000/webhooks/signalwire/call-status, then
// GET /summary for the last 24 hours. Environment: PORT (3000), HOST (127.0.0.1), DATABASE
// (./data/example.db), PUBLIC_URL (the origin SignalWire calls, if a proxy is in front), TRUST_PROXY=true.
import Fastify from 'fastify';
import { callStatusPlugin } from 'callpulse/fastify';
import { createCallStore } from 'callpulse/store';

const key = process.env.SIGNALWIRE_SIGNING_KEY;
if (!key) {
  console.error('Set SIGNALWIRE_SIGNING_KEY to your SignalWire signing key (Dashboard → API → Signing Key).');
  process.exit(2);
}

const calls = await createCallStore({ database: process.env.DATABASE ?? './data/example.db' });
const app = Fastify();

await app.register(callStatusPlugin, {
  keys: key,
  publicUrl: process.env.PUBLIC_URL,
  trustProxy: process.env.TRUST_PROXY === 'true',
  // Answered 200 once the call is committed; a repeat delivery is answered "duplicate".
  onCall: async (event, context) => {
    const outcome = await calls.recordCall(event, context);
    console.log(`call ${event.callSid} ${event.status} from ${event.from} ${event.durationSeconds ?? '-'} s MOS ${event.mos ?? '-'} (${outcome})`);
    return outcome;
  },
  // Signed but invalid: kept in quarantine, then answered 422.
  onInvalid: (invalid) => calls.quarantine(invalid),
  onError: (error) => app.log.error(error),
});

app.get('/summary', async () => calls.summary({ from: new Date(Date.now() - 24 * 3600_000), to: new Date() }));

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await app.close();
    await calls.close();
  });
}

const url = await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 3000) });
console.log(`listening on ${url}`);
