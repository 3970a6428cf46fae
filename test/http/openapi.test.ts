/**
 * The OpenAPI document describes exactly the routes the app serves, and is served itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('/api/openapi.json', () => {
  let server: TestServer;
  let document: { openapi: string; paths: Record<string, Record<string, unknown>> };
  before(async () => {
    server = await startTestServer({ apiToken: 'tok' });
    const response = await fetch(`${server.baseUrl}/api/openapi.json`);
    assert.equal(response.status, 200, 'served without the API token: the document holds no data');
    document = (await response.json()) as typeof document;
  });
  after(() => server.close());

  it('is OpenAPI 3.1', () => {
    assert.equal(document.openapi, '3.1.0');
  });

  it('every framework route is documented with its method', () => {
    // printRoutes lists each route as "/path (GET, HEAD)", children indented under their parent's path.
    const lines = server.app.printRoutes({ commonPrefix: false }).split('\n').filter((l) => l.includes('('));
    const parents: string[] = [];
    for (const line of lines) {
      const depth = line.search(/[└├]/) / 4;
      const [, segment, methods] = /[└├]── (\S+) \(([^)]*)\)/.exec(line)!;
      parents[depth] = segment!;
      const path = parents.slice(0, depth + 1).join('').replace(/:(\w+)/g, '{$1}');
      for (const method of methods!.split(', ').filter((m) => m !== 'HEAD')) {
        assert.ok(document.paths[path]?.[method.toLowerCase()], `${method} ${path} is documented`);
      }
    }
  });

  it('every documented path is served (the webhook by its own handler)', async () => {
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) {
        const url = server.baseUrl + path.replace('{callSid}', 'CA-none');
        const response = await fetch(url, { method: method.toUpperCase(), headers: { authorization: 'Bearer tok' } });
        // The first chunk is enough (and the live event stream never ends by itself).
        const reader = response.body!.getReader();
        const text = new TextDecoder().decode((await reader.read()).value);
        await reader.cancel();
        assert.doesNotMatch(text, /no route for/, `${method} ${path}`);
      }
    }
  });
});
