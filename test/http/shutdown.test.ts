/**
 * Closing the app, step by step over raw sockets: a callback still uploading when the close begins is
 * committed and answered (with Connection: close); a request that arrives during the close gets the coded
 * 503 CP_ERR_SHUTTING_DOWN, /readyz included; the close completes once they are answered.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { scan } from '../helpers/db-scan.js';
import { formBody } from '../helpers/independent-signer.js';
import { callbackFields, startTestServer, WEBHOOK } from '../helpers/test-server.js';

/** A raw connection that collects everything the server sends until it closes the connection. */
async function rawConnection(port: number): Promise<{ socket: Socket; answer: Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString()));
  const answer = new Promise<string>((resolve) => socket.once('close', () => resolve(text)));
  return { socket, answer };
}

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('closing the app', () => {
  it('commits and answers the callback in flight; a request arriving meanwhile gets the coded 503', async () => {
    const server = await startTestServer();
    const port = Number(new URL(server.baseUrl).port);
    const body = formBody(Object.entries(callbackFields({ CallSid: 'CA-in-flight' })));
    const upload = await rawConnection(port);
    upload.socket.write(`POST ${WEBHOOK} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
    upload.socket.write(body.slice(0, 20)); // the rest comes once the close has begun
    const probe = await rawConnection(port);
    probe.socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // headers not finished yet
    await tick(100);

    let closed = false;
    const closing = server.app.close().then(() => (closed = true));
    await tick(100);
    assert.equal(closed, false, 'the close waits for the requests in flight');
    probe.socket.write('\r\n');
    const refused = await probe.answer;
    assert.match(refused, /^HTTP\/1\.1 503 /);
    assert.match(refused, /\r\nConnection: close\r\n/i);
    assert.deepEqual(JSON.parse(refused.slice(refused.indexOf('\r\n\r\n') + 4)), { error: 'the server is shutting down; try again in a moment', code: 'CP_ERR_SHUTTING_DOWN' });

    upload.socket.write(body.slice(20));
    const answered = await upload.answer;
    assert.match(answered, /^HTTP\/1\.1 200 /);
    assert.match(answered, /\r\nconnection: close\r\n/i);
    assert.deepEqual(JSON.parse(answered.slice(answered.indexOf('\r\n\r\n') + 4)), { result: 'accepted', callSid: 'CA-in-flight' });
    await closing;
    assert.deepEqual(scan(server.dbPath, 'SELECT call_sid FROM calls'), [{ call_sid: 'CA-in-flight' }]);
    await server.close();
  });
});
