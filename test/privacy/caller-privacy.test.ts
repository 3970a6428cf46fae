/**
 * The privacy step itself: what it hashes (compared with the test's own HMAC), that hashing twice changes
 * nothing, and that a store opened in privacy mode hashes every write whoever makes it (reconcile, say).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseIncomingCallStatus } from '../../src/domain/call-event.js';
import { CallerPrivacy, callerPrivacy } from '../../src/store/caller-privacy.js';
import type { WriteItem } from '../../src/store/call-store.js';
import { createStore } from '../../src/store/index.js';
import { scan } from '../helpers/db-scan.js';
import { callbackFields, tempDir } from '../helpers/test-server.js';

const KEY = 'sixteen-chars-at-least';
const hashOf = (value: string): string => 'h:' + createHmac('sha256', KEY).update(value).digest('hex').slice(0, 20);
const privacy = new CallerPrivacy(KEY);

function callItem(fields: Record<string, string>): WriteItem {
  const parsed = parseIncomingCallStatus(fields);
  assert.ok(parsed.ok);
  return { kind: 'call', event: parsed.event, raw: fields, source: 'api', delivery: { method: 'GET', contentType: null, receivedAt: new Date(0) } };
}

describe('CallerPrivacy', () => {
  it('is off unless privacy.hashCallers is on with a key', () => {
    assert.equal(callerPrivacy({ hashCallers: false, key: null }), null);
    assert.ok(callerPrivacy({ hashCallers: true, key: KEY }) instanceof CallerPrivacy);
  });

  it('hashes the caller in the event and the caller fields of the raw ones, and nothing else', () => {
    const fields = callbackFields({ From: '+442079460958', Caller: '+442079460958', CallerName: 'Jane', FromZip: 'SW1A', Direction: 'inbound' });
    const item = privacy.protect(callItem(fields));
    assert.ok(item.kind === 'call');
    assert.equal(item.event.from, hashOf('+442079460958'));
    assert.equal(item.fromCountry, 'GB', 'the country of the real number travels with the item');
    assert.equal(item.event.fromIsE164, true, 'still counted as an E.164 caller for repeat callers');
    assert.deepEqual(item.raw, { ...fields, From: hashOf('+442079460958'), Caller: hashOf('+442079460958'), CallerName: hashOf('Jane'), FromZip: hashOf('SW1A') });
  });

  it('a quarantine entry: its fields, the query string of its URL, and numbers in an unreadable line', () => {
    const url = 'https://cp.example.com/webhooks/signalwire/call-status?CallSid=CA1&From=%2B12125550147&To=%2B15557650002';
    const entry: WriteItem = { kind: 'quarantine', raw: { From: ['+12125550147', '+12125550148'], line: 'CA9,+1 (212) 555-0147,+15557650002,2024-04-04' }, problems: [], url, delivery: { method: 'GET', contentType: null, receivedAt: new Date(0) } };
    const item = privacy.protect(entry);
    assert.ok(item.kind === 'quarantine');
    assert.equal(item.url, `https://cp.example.com/webhooks/signalwire/call-status?CallSid=CA1&From=${encodeURIComponent(hashOf('+12125550147'))}&To=%2B15557650002`);
    assert.deepEqual(item.raw.From, [hashOf('+12125550147'), hashOf('+12125550148')]);
    assert.equal(item.raw.line, `CA9,${hashOf('+12125550147')},${hashOf('+15557650002')},${hashOf('20240404')}`); // number-like runs, spelt as digits: a date too
  });

  it('protecting twice changes nothing', () => {
    const items: WriteItem[] = [
      callItem(callbackFields({ From: '+12125550147', Caller: '+12125550147' })),
      { kind: 'quarantine', raw: { line: 'x +12125550147 y', From: '+1' }, problems: [], url: 'http://h/p?From=%2B12125550147', delivery: { method: 'GET', contentType: null, receivedAt: new Date(0) } },
    ];
    for (const item of items) {
      const once = privacy.protect(item);
      assert.deepEqual(privacy.protect(once), once);
    }
    const call = privacy.protect(items[0]!);
    assert.ok(call.kind === 'call' && call.fromCountry === 'US', 'protected twice, the country stays that of the real number');
  });

  it('a store opened in privacy mode hashes whatever is written to it', async () => {
    const { dir, cleanup } = tempDir();
    const db = join(dir, 'guarded.db');
    const store = await createStore(db, { privacy });
    try {
      // As reconcile writes: straight to the store, not through ingest.
      assert.deepEqual(await store.writeBatch([callItem(callbackFields({ CallSid: 'CA-api', From: '+12125550147' }))]), ['accepted']);
      assert.deepEqual(scan(db, 'SELECT from_number, from_country FROM calls'), [{ from_number: hashOf('+12125550147'), from_country: 'US' }]);
      assert.equal((await store.getCall('CA-api'))!.from, hashOf('+12125550147'));
    } finally {
      await store.close();
      cleanup();
    }
  });
});
