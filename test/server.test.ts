/**
 * The secure default of `serve`: without a signing key, only loopback addresses, unless --insecure.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig } from '../src/config/schema.js';
import { unsafeStartReason } from '../src/server.js';

describe('unsafeStartReason', () => {
  it('allows loopback addresses without a key', () => {
    for (const host of ['127.0.0.1', '127.9.8.7', '::1', 'localhost']) assert.equal(unsafeStartReason(validateConfig({ host })), null, host);
  });

  it('refuses any other address without a key, naming the ways out', () => {
    for (const host of ['0.0.0.0', '::', '10.1.2.3', 'calls.example.com']) {
      const reason = unsafeStartReason(validateConfig({ host }));
      assert.match(reason ?? '', /^refusing to listen on .+ without a signing key: set SIGNALWIRE_SIGNING_KEY .*--insecure/, host);
    }
  });

  it('allows any address with a key, or with --insecure', () => {
    assert.equal(unsafeStartReason(validateConfig({ host: '0.0.0.0', signingKey: 'k' })), null);
    assert.equal(unsafeStartReason(validateConfig({ host: '0.0.0.0', projectKeys: { AC1: 'k' } })), null);
    assert.equal(unsafeStartReason(validateConfig({ host: '0.0.0.0', insecure: true })), null);
  });
});
