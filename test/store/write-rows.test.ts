/**
 * The rows a batch sends to the SQLite writer thread: each call's values in the calls table's column order,
 * with the caller's country already worked out (on the request's thread, so the writer thread, which every
 * call goes through in turn, does not spend its time on the lookup). Countries are written by hand here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toWriteRow, type CallRow } from '../../src/store/sqlite/write-rows.js';
import { callWrite, quarantineWrite } from '../helpers/call-writes.js';

/** The index of `fromCountry` in a call row (after the kind and the 16 columns before it). */
const FROM_COUNTRY = 17;

function rowOf(from: string, extra: { fromCountry?: string | null } = {}): CallRow {
  const item = callWrite({
    CallSid: 'CA-row-1', AccountSid: 'AC1', From: from, To: '+15550000001', Timestamp: '2024-05-01T10:00:00Z',
    CallStatus: 'completed', CallDuration: '10', AudioInMos: '4.2',
  });
  const row = toWriteRow({ ...item, ...extra });
  assert.equal(row[0], 'call');
  return row as CallRow;
}

describe('toWriteRow', () => {
  it("carries the caller's country, worked out from From", () => {
    assert.equal(rowOf('+14155550100')[FROM_COUNTRY], 'US');
    assert.equal(rowOf('+14165550100')[FROM_COUNTRY], 'CA', '+1 416 is Toronto');
    assert.equal(rowOf('+441481720000')[FROM_COUNTRY], 'GG', '+44 1481 is Guernsey, not GB');
    assert.equal(rowOf('+33612345678')[FROM_COUNTRY], 'FR');
  });

  it('carries null for callers no region claims, and for non-E.164 callers', () => {
    assert.equal(rowOf('+15551000001')[FROM_COUNTRY], null, '555 is no area code of any NANP region');
    assert.equal(rowOf('anonymous')[FROM_COUNTRY], null);
    assert.equal(rowOf('sip:alice@example.com')[FROM_COUNTRY], null);
  });

  it('keeps the country an item carries (privacy mode: From is a hash), null included', () => {
    assert.equal(rowOf('+14155550100', { fromCountry: 'FR' })[FROM_COUNTRY], 'FR');
    assert.equal(rowOf('+14155550100', { fromCountry: null })[FROM_COUNTRY], null);
  });

  it('puts the columns in the order of the INSERT, the country right after the raw fields', () => {
    const row = rowOf('+14155550100');
    assert.deepEqual(row.slice(1, 12), [
      'CA-row-1', 'AC1', '+14155550100', '+15550000001', 1, 1, Date.UTC(2024, 4, 1, 10), '2024-05-01T10:00:00Z', 'completed', 10, 4.2,
    ]);
    assert.deepEqual(JSON.parse(row[16]).CallSid, 'CA-row-1');
    assert.equal(row[18], null, 'no quarantine entry replayed');
  });

  it('flattens a quarantine entry without a country', () => {
    const row = toWriteRow(quarantineWrite({ CallSid: 'CA-q' }, 'https://cp.example.com/x', new Date(5_000)));
    assert.deepEqual(row, ['quarantine', 5_000, 'POST', 'application/json', 'https://cp.example.com/x',
      JSON.stringify([{ field: 'CallStatus', message: 'is required' }]), JSON.stringify({ CallSid: 'CA-q' })]);
  });
});
