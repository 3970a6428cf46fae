/**
 * CSV answers: formula injection through caller-controlled fields is neutralised, quoting follows
 * RFC 4180, and the rows are the JSON answer's rows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { csvCell, toCsv } from '../../src/http/csv.js';
import { callbackFields, postSignedCallback, startTestServer, type TestServer } from '../helpers/test-server.js';

describe('csvCell', () => {
  it('prefixes text that a spreadsheet would run, and quotes what needs it', () => {
    assert.equal(csvCell('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
    assert.equal(csvCell('+15551230001'), `'+15551230001`);
    assert.equal(csvCell('-2+3'), `'-2+3`);
    assert.equal(csvCell('@SUM(A1)'), `'@SUM(A1)`);
    assert.equal(csvCell('\tcmd'), `'\tcmd`);
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell(-1.5), '-1.5', 'numbers we computed are not text');
    assert.equal(csvCell(null), '');
    assert.equal(toCsv(['a', 'b'], [[1, 'x']]), 'a,b\r\n1,x\r\n');
  });
});

describe('?format=csv over real HTTP', () => {
  const KEY = 'csv-key';
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ signingKey: KEY });
    const fields = callbackFields({ CallSid: 'CA-csv', From: '=cmd|"/c calc"!A1', Timestamp: '2024-06-01T10:00:00Z', CallDuration: '33', AudioInMos: '4.10' });
    const response = await postSignedCallback(server.webhookUrl, KEY, fields);
    assert.equal(response.status, 200);
  });
  after(() => server.close());

  it('the call list as CSV, with the hostile From neutralised', async () => {
    const response = await fetch(`${server.baseUrl}/api/v1/calls?from=2024-06-01T00:00:00Z&to=2024-06-02T00:00:00Z&format=csv`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
    assert.equal(
      await response.text(),
      'callSid,accountSid,from,to,timestamp,status,durationSeconds,mos,source\r\n' +
        `CA-csv,AC-project-1,"'=cmd|""/c calc""!A1",'+15557650002,2024-06-01T10:00:00.000Z,completed,33,4.1,webhook\r\n`,
    );
  });

  it('the time series as CSV', async () => {
    const response = await fetch(`${server.baseUrl}/api/v1/timeseries?from=2024-06-01T09:00:00Z&to=2024-06-01T11:00:00Z&interval=1h&format=csv`);
    assert.equal(
      await response.text(),
      'start,calls,completed,successRate,mosMean,mosP10,durationMean\r\n' +
        '2024-06-01T09:00:00Z,0,0,,,,\r\n' +
        '2024-06-01T10:00:00Z,1,1,1,4.1,4.1,33\r\n',
    );
  });

  it('format must be json or csv', async () => {
    const response = await fetch(`${server.baseUrl}/api/v1/calls?format=xml`);
    assert.equal(response.status, 400);
  });
});
