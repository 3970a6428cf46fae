/**
 * The pages and assets route over real HTTP: served without the API token (they hold no data), with the
 * security headers, revalidated by ETag, and nothing but the built assets reachable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONTENT_SECURITY_POLICY } from '../../src/http/routes/dashboard.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('dashboard pages and assets', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ apiToken: 'pages-token' });
  });
  after(() => server.close());

  it('pages and assets need no token and carry the security headers', async () => {
    const expectations: Array<[string, RegExp]> = [
      ['/', /^text\/html/], ['/wallboard', /^text\/html/], ['/assets/dashboard.js', /^text\/javascript/],
      ['/assets/wallboard.js', /^text\/javascript/], ['/assets/wallboard.css', /^text\/css/], ['/assets/favicon.svg', /^image\/svg\+xml/],
    ];
    for (const [path, type] of expectations) {
      const response = await fetch(server.baseUrl + path);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type')!, type, path);
      assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY, path);
      assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer', path);
    }
    assert.equal(CONTENT_SECURITY_POLICY, "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    assert.equal((await fetch(`${server.baseUrl}/api/v1/summary`)).status, 401, 'the data still needs the token');
  });

  it('an unchanged asset is answered 304 to If-None-Match', async () => {
    const first = await fetch(`${server.baseUrl}/assets/dashboard.css`);
    const etag = first.headers.get('etag')!;
    assert.match(etag, /^"[\w-]{22}"$/);
    const again = await fetch(`${server.baseUrl}/assets/dashboard.css`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
  });

  it('nothing else is reachable under /assets', async () => {
    for (const path of ['/assets/index.html', '/assets/..%2Fsrc%2Fserver.js', '/assets/nope.js', '/assets/%2e%2e%2fpackage.json']) {
      const response = await fetch(server.baseUrl + path);
      assert.equal(response.status, 404, path);
      assert.equal(((await response.json()) as { code: string }).code, 'CP_ERR_NOT_FOUND', path);
    }
  });
});
