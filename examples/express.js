// An Express app that receives SignalWire's incoming call status callback with callpulse's middleware.
//
//   SIGNALWIRE_SIGNING_KEY=PSK_xxx node examples/express.js
//
// Point a number's StatusCallback at http://<host>:3000/webhooks/signalwire/call-status. Environment: PORT
// (3000), HOST (127.0.0.1), PUBLIC_URL (the origin SignalWire calls, if a proxy is in front), TRUST_PROXY=true.
import express from 'express';
import { callStatusMiddleware } from 'callpulse/express';

const key = process.env.SIGNALWIRE_SIGNING_KEY;
if (!key) {
  console.error('Set SIGNALWIRE_SIGNING_KEY to your SignalWire signing key (Dashboard → API → Signing Key).');
  process.exit(2);
}

const app = express();
const onCallStatus = callStatusMiddleware({
  keys: key,
  publicUrl: process.env.PUBLIC_URL,
  trustProxy: process.env.TRUST_PROXY === 'true',
  onCall: (event) => {
    // event is a CallStatusEvent: timestamp is a Date, durationSeconds and mos are numbers or null.
    console.log(`call ${event.callSid} ${event.status} from ${event.from} ${event.durationSeconds ?? '-'} s MOS ${event.mos ?? '-'}`);
  },
  onInvalid: (invalid) => console.warn(`invalid callback: ${invalid.problems.map((p) => `${p.field} ${p.message}`).join('; ')}`),
});
// Mounted before any body parser: the signature covers the exact bytes of the body.
app.post('/webhooks/signalwire/call-status', onCallStatus);
app.get('/webhooks/signalwire/call-status', onCallStatus);
// The rest of the app may use body parsers as usual.
app.use(express.json());

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  console.log(`listening on http://${address}:${port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => server.close());
