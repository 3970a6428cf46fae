/**
 * The bare server, the upper limit: node:http, reads the whole body, answers 200 with no work at all.
 * Usage: node dist/bench/servers/bare.js PORT
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2]);

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    Buffer.concat(chunks); // the body a real handler would go on to parse
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('ok');
  });
});

server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
