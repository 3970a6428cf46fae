/**
 * Tests for the MOS helpers: rounding a score to whole hundredths (including the floating-point
 * products like 4.21 * 100 = 421.00000000000006) and the ITU-T G.107 E-model bands
 * (excellent >= 4.34, good >= 4.03, fair >= 3.60, poor >= 3.10, bad < 3.10). Expected values are
 * written out by hand or built from decimal strings, never taken from the code under test.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MOS_BANDS, MOS_BAND_EDGES, bandOfHundredths, mosToHundredths, type MosBand } from '../../src/domain/mos.js';

/** The band of a score in hundredths, straight from the table. */
function expectedBand(hundredths: number): MosBand {
  if (hundredths >= 434) return 'excellent';
  if (hundredths >= 403) return 'good';
  if (hundredths >= 360) return 'fair';
  if (hundredths >= 310) return 'poor';
  return 'bad';
}

/** "4.21" for 421, built from digits (no float arithmetic). */
function decimalText(hundredths: number): string {
  return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
}

describe('mosToHundredths', () => {
  test('whole scores and the band edges', () => {
    const cases: Array<[number, number]> = [
      [1, 100], [5, 500], [0, 0],
      [4.34, 434], [4.33, 433], [4.03, 403], [4.02, 402], [3.6, 360], [3.59, 359], [3.1, 310], [3.09, 309],
    ];
    for (const [mos, expected] of cases) assert.equal(mosToHundredths(mos), expected, `mos ${mos}`);
  });

  test('floating-point products round to the intended hundredth', () => {
    // 4.21 * 100 = 421.00000000000006, 3.6 * 100 = 360 (but 0.29 * 100 = 28.999999999999996), etc.
    const cases: Array<[number, number]> = [
      [4.21, 421], [3.6, 360], [0.29, 29], [4.35, 435], [1.15, 115], [2.55, 255], [4.1, 410], [1.01, 101],
      [0.1 + 0.2, 30], [4.2 + 0.01, 421], [3.7 - 0.1, 360],
    ];
    for (const [mos, expected] of cases) assert.equal(mosToHundredths(mos), expected, `mos ${mos}`);
  });

  test('more than two decimals round half up to the nearest hundredth', () => {
    const cases: Array<[number, number]> = [
      [4.345, 435], [4.344, 434], [4.3449, 434], [4.3351, 434], [4.335, 434], [4.3349, 433],
      [4.025, 403], [4.0249, 402], [3.595, 360], [3.5949, 359], [3.095, 310], [3.0949, 309],
      [4.999, 500], [1.004, 100],
    ];
    for (const [mos, expected] of cases) assert.equal(mosToHundredths(mos), expected, `mos ${mos}`);
  });

  test('every two-decimal score from 1.00 to 5.00, parsed from its text, is exact', () => {
    for (let hundredths = 100; hundredths <= 500; hundredths++) {
      const text = decimalText(hundredths);
      assert.equal(mosToHundredths(Number(text)), hundredths, text);
      assert.equal(mosToHundredths(Number.parseFloat(text)), hundredths, text);
    }
  });

  test(
    'half-hundredths whose double lies just below the half (1.005, 4.015) round as written',
    () => {
      assert.equal(mosToHundredths(1.005), 101);
      assert.equal(mosToHundredths(4.015), 402);
      assert.equal(mosToHundredths(2.135), 214);
    },
  );
});

describe('bandOfHundredths', () => {
  test('at and around every edge', () => {
    const cases: Array<[number, MosBand]> = [
      [100, 'bad'], [0, 'bad'], [309, 'bad'], [310, 'poor'], [311, 'poor'],
      [359, 'poor'], [360, 'fair'], [361, 'fair'],
      [402, 'fair'], [403, 'good'], [404, 'good'],
      [433, 'good'], [434, 'excellent'], [435, 'excellent'], [500, 'excellent'],
    ];
    for (const [hundredths, band] of cases) assert.equal(bandOfHundredths(hundredths), band, `${hundredths}`);
  });

  test('every score 1.00..5.00 lands in the band of the issue table', () => {
    for (let hundredths = 100; hundredths <= 500; hundredths++) {
      assert.equal(bandOfHundredths(hundredths), expectedBand(hundredths), decimalText(hundredths));
    }
  });

  test('scores given as MOS go through the hundredths (4.335 rounds to 4.34: excellent)', () => {
    const cases: Array<[number, MosBand]> = [
      [4.34, 'excellent'], [4.335, 'excellent'], [4.3349, 'good'], [4.03, 'good'], [4.0249, 'fair'],
      [3.6, 'fair'], [3.5949, 'poor'], [3.1, 'poor'], [3.09, 'bad'], [1, 'bad'], [5, 'excellent'],
    ];
    for (const [mos, band] of cases) assert.equal(bandOfHundredths(mosToHundredths(mos)), band, `mos ${mos}`);
  });

  test('the exported band list and edges match the issue', () => {
    assert.deepEqual([...MOS_BANDS], ['excellent', 'good', 'fair', 'poor', 'bad']);
    assert.deepEqual({ ...MOS_BAND_EDGES }, { excellent: 4.34, good: 4.03, fair: 3.6, poor: 3.1 });
  });
});
