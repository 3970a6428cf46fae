/**
 * Example-based tests for parseCallTimestamp: every expected instant is written out by hand
 * (epoch milliseconds, or Date.UTC with the local time already shifted to UTC in the test).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCallTimestamp } from '../../src/domain/timestamp.js';

/** Date.UTC with a 1-based month, so the cases read like the texts they check. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, millis = 0): number {
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

function epochOf(text: string): number | null {
  const parsed = parseCallTimestamp(text);
  return parsed === null ? null : parsed.getTime();
}

function accepts(cases: ReadonlyArray<readonly [string, number]>): void {
  for (const [text, expected] of cases) {
    test(`accepts ${JSON.stringify(text)}`, () => {
      const parsed = parseCallTimestamp(text);
      assert.ok(parsed instanceof Date, `expected a Date for ${JSON.stringify(text)}`);
      assert.equal(parsed.getTime(), expected, `${JSON.stringify(text)} gave ${parsed.toISOString()}`);
    });
  }
}

function refuses(cases: ReadonlyArray<string>): void {
  for (const text of cases) {
    test(`refuses ${JSON.stringify(text)}`, () => {
      assert.equal(epochOf(text), null);
    });
  }
}

describe('parseCallTimestamp: RFC 2822 as SignalWire sends it', () => {
  test('the documented example is 1712255535000 ms (worked by hand: 19817 days + 66735 s)', () => {
    // 1970..2023: 54 years, 13 leap days -> 19723 days; Jan+Feb(2024, leap)+Mar = 91, plus 3 -> 19817 days.
    // 19817 * 86400 = 1712188800 s; 18:32:15 = 66735 s.
    assert.equal(epochOf('Thu, 04 Apr 2024 18:32:15 +0000'), 1_712_255_535_000);
  });

  accepts([
    ['Thu, 04 Apr 2024 18:32:15 +0000', utc(2024, 4, 4, 18, 32, 15)],
    // Abbreviations seen in the wild.
    ['Thur, 04 Apr 2024 18:32:15 +0000', utc(2024, 4, 4, 18, 32, 15)],
    ['Thurs, 04 Apr 2024 18:32:15 +0000', utc(2024, 4, 4, 18, 32, 15)],
    ['Wed, 04 Sept 2024 18:32:15 +0000', utc(2024, 9, 4, 18, 32, 15)],
    ['Wed, 04 Sep 2024 18:32:15 +0000', utc(2024, 9, 4, 18, 32, 15)],
    ['Tues, 10 Sept 2024 09:05:00 +0000', utc(2024, 9, 10, 9, 5, 0)],
    // Full day and month names.
    ['Thursday, 04 April 2024 18:32:15 +0000', utc(2024, 4, 4, 18, 32, 15)],
    ['Wednesday, 04 September 2024 18:32:15 +0000', utc(2024, 9, 4, 18, 32, 15)],
    ['Sunday, 01 December 2024 00:00:00 +0000', utc(2024, 12, 1)],
    // Every month abbreviation.
    ['Mon, 01 Jan 2024 12:00:00 +0000', utc(2024, 1, 1, 12)],
    ['Thu, 01 Feb 2024 12:00:00 +0000', utc(2024, 2, 1, 12)],
    ['Fri, 01 Mar 2024 12:00:00 +0000', utc(2024, 3, 1, 12)],
    ['Wed, 01 May 2024 12:00:00 +0000', utc(2024, 5, 1, 12)],
    ['Sat, 01 Jun 2024 12:00:00 +0000', utc(2024, 6, 1, 12)],
    ['Mon, 01 Jul 2024 12:00:00 +0000', utc(2024, 7, 1, 12)],
    ['Thu, 01 Aug 2024 12:00:00 +0000', utc(2024, 8, 1, 12)],
    ['Tue, 01 Oct 2024 12:00:00 +0000', utc(2024, 10, 1, 12)],
    ['Fri, 01 Nov 2024 12:00:00 +0000', utc(2024, 11, 1, 12)],
    // Day name is optional; one-digit day; case does not matter; a dot after the month.
    ['04 Apr 2024 18:32:15 +0000', utc(2024, 4, 4, 18, 32, 15)],
    ['Thu, 4 Apr 2024 18:32:15 +0000', utc(2024, 4, 4, 18, 32, 15)],
    ['thu, 04 APR 2024 18:32:15 gmt', utc(2024, 4, 4, 18, 32, 15)],
    ['Wed, 04 Sept. 2024 18:32:15 +0000', utc(2024, 9, 4, 18, 32, 15)],
    // No seconds.
    ['Thu, 04 Apr 2024 18:32 +0000', utc(2024, 4, 4, 18, 32, 0)],
    // Surrounding whitespace (the original text is kept elsewhere; the instant ignores it).
    ['  Thu, 04 Apr 2024 18:32:15 +0000\n', utc(2024, 4, 4, 18, 32, 15)],
    // Leap day.
    ['Thu, 29 Feb 2024 12:00:00 +0000', utc(2024, 2, 29, 12)],
    ['Tue, 29 Feb 2000 12:00:00 +0000', utc(2000, 2, 29, 12)],
    // Two-digit years (RFC 2822 section 4.3): 00-49 -> 20xx, 50-99 -> 19xx.
    ['Thu, 04 Apr 24 18:32:15 +0000', utc(2024, 4, 4, 18, 32, 15)],
    ['Fri, 01 Jan 49 00:00:00 +0000', utc(2049, 1, 1)],
    ['Sun, 01 Jan 50 00:00:00 +0000', utc(1950, 1, 1)],
    ['Fri, 31 Dec 99 23:59:59 +0000', utc(1999, 12, 31, 23, 59, 59)],
  ]);
});

describe('parseCallTimestamp: RFC 2822 zones', () => {
  accepts([
    // Named zones (RFC 2822 section 4.3): 18:32:15 UTC written in each zone's local time.
    ['Thu, 04 Apr 2024 18:32:15 GMT', utc(2024, 4, 4, 18, 32, 15)],
    ['Thu, 04 Apr 2024 18:32:15 UT', utc(2024, 4, 4, 18, 32, 15)],
    ['Thu, 04 Apr 2024 18:32:15 UTC', utc(2024, 4, 4, 18, 32, 15)],
    ['Thu, 04 Apr 2024 18:32:15 Z', utc(2024, 4, 4, 18, 32, 15)],
    ['Thu, 04 Apr 2024 13:32:15 EST', utc(2024, 4, 4, 18, 32, 15)],
    ['Thu, 04 Apr 2024 14:32:15 EDT', utc(2024, 4, 4, 18, 32, 15)],
    ['Thu, 04 Apr 2024 12:32:15 CST', utc(2024, 4, 4, 18, 32, 15)],
    ['Thu, 04 Apr 2024 13:32:15 CDT', utc(2024, 4, 4, 18, 32, 15)],
    ['Thu, 04 Apr 2024 11:32:15 MST', utc(2024, 4, 4, 18, 32, 15)],
    ['Thu, 04 Apr 2024 12:32:15 MDT', utc(2024, 4, 4, 18, 32, 15)],
    ['Thu, 04 Apr 2024 10:32:15 PST', utc(2024, 4, 4, 18, 32, 15)],
    ['Thu, 04 Apr 2024 11:32:15 PDT', utc(2024, 4, 4, 18, 32, 15)],
    // Numeric offsets, east and west, with minutes, and -0000.
    ['Fri, 05 Apr 2024 00:02:15 +0530', utc(2024, 4, 4, 18, 32, 15)],
    ['Thu, 04 Apr 2024 10:32:15 -0800', utc(2024, 4, 4, 18, 32, 15)],
    ['Thu, 04 Apr 2024 15:02:15 -0330', utc(2024, 4, 4, 18, 32, 15)],
    ['Fri, 05 Apr 2024 08:17:15 +1345', utc(2024, 4, 4, 18, 32, 15)],
    ['Thu, 04 Apr 2024 18:32:15 -0000', utc(2024, 4, 4, 18, 32, 15)],
    // Offsets that move the instant across a day, a month and a year.
    ['Thu, 04 Apr 2024 23:30:00 -0100', utc(2024, 4, 5, 0, 30)],
    ['Mon, 01 Apr 2024 01:00:00 +0200', utc(2024, 3, 31, 23, 0)],
    ['Tue, 31 Dec 2024 23:00:00 -0200', utc(2025, 1, 1, 1, 0)],
    // Lenient: an offset written with a colon.
    ['Thu, 04 Apr 2024 20:32:15 +02:00', utc(2024, 4, 4, 18, 32, 15)],
  ]);
});

describe('parseCallTimestamp: ISO 8601', () => {
  accepts([
    ['2024-04-04T18:32:15Z', utc(2024, 4, 4, 18, 32, 15)],
    ['2024-04-04T18:32:15z', utc(2024, 4, 4, 18, 32, 15)],
    ['2024-04-04 18:32:15Z', utc(2024, 4, 4, 18, 32, 15)],
    // Offsets: +hh:mm, +hhmm, +hh, negative.
    ['2024-04-05T00:02:15+05:30', utc(2024, 4, 4, 18, 32, 15)],
    ['2024-04-05T00:02:15+0530', utc(2024, 4, 4, 18, 32, 15)],
    ['2024-04-04T23:32:15+05', utc(2024, 4, 4, 18, 32, 15)],
    ['2024-04-04T10:32:15-08:00', utc(2024, 4, 4, 18, 32, 15)],
    ['2024-04-04T18:32:15+00:00', utc(2024, 4, 4, 18, 32, 15)],
    ['2024-12-31T22:00:00-03:00', utc(2025, 1, 1, 1, 0)],
    // Fractions: padded to milliseconds, longer ones truncated, comma as the decimal sign.
    ['2024-04-04T18:32:15.5Z', utc(2024, 4, 4, 18, 32, 15, 500)],
    ['2024-04-04T18:32:15.05Z', utc(2024, 4, 4, 18, 32, 15, 50)],
    ['2024-04-04T18:32:15.123Z', utc(2024, 4, 4, 18, 32, 15, 123)],
    ['2024-04-04T18:32:15.570Z', utc(2024, 4, 4, 18, 32, 15, 570)],
    ['2024-04-04T18:32:15.123456Z', utc(2024, 4, 4, 18, 32, 15, 123)],
    ['2024-04-04T18:32:15.999999999Z', utc(2024, 4, 4, 18, 32, 15, 999)],
    ['2024-04-04T18:32:15,250Z', utc(2024, 4, 4, 18, 32, 15, 250)],
    ['2024-04-05T00:02:15.250+05:30', utc(2024, 4, 4, 18, 32, 15, 250)],
    // No zone: read as UTC.
    ['2024-04-04T18:32:15', utc(2024, 4, 4, 18, 32, 15)],
    ['2024-04-04T18:32:15.750', utc(2024, 4, 4, 18, 32, 15, 750)],
    // No seconds.
    ['2024-04-04T18:32Z', utc(2024, 4, 4, 18, 32)],
    ['2024-04-04T18:32', utc(2024, 4, 4, 18, 32)],
    // Leap day and the edges of the day.
    ['2024-02-29T00:00:00Z', utc(2024, 2, 29)],
    ['2024-04-04T23:59:59Z', utc(2024, 4, 4, 23, 59, 59)],
    ['2024-04-04T00:00:00Z', utc(2024, 4, 4)],
  ]);
});

describe('parseCallTimestamp: impossible, ambiguous and garbage texts', () => {
  refuses([
    // Empty.
    '',
    '   ',
    // Garbage.
    'not a date',
    'yesterday',
    'null',
    'undefined',
    'Thu',
    '1712255535',
    '1712255535000',
    '2024',
    // RFC 2822: impossible dates and times.
    'Fri, 30 Feb 2024 12:00:00 +0000',
    'Wed, 29 Feb 2023 12:00:00 +0000',
    'Mon, 29 Feb 1900 12:00:00 +0000',
    'Wed, 31 Apr 2024 12:00:00 +0000',
    'Thu, 32 Jan 2024 12:00:00 +0000',
    'Sun, 00 Jan 2024 12:00:00 +0000',
    'Thu, 04 Apr 2024 24:00:00 +0000',
    'Thu, 04 Apr 2024 18:60:00 +0000',
    'Thu, 04 Apr 2024 18:32:61 +0000',
    // RFC 2822: unknown names and zones, out-of-range offsets, no zone at all.
    'Thu, 04 Foo 2024 18:32:15 +0000',
    'Thu, 04 Septembre 2024 18:32:15 +0000',
    'Fooday, 04 Apr 2024 18:32:15 +0000',
    'Thu, 04 Apr 2024 18:32:15 CEST',
    'Thu, 04 Apr 2024 18:32:15 XYZ',
    'Thu, 04 Apr 2024 18:32:15 +2400',
    'Thu, 04 Apr 2024 18:32:15 +0060',
    'Thu, 04 Apr 2024 18:32:15',
    'Thu, 04 Apr 2024',
    'Thu, 04 Apr 2024 18:32:15 +0000 trailing',
    // ISO 8601: impossible dates and times.
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-00-10T00:00:00Z',
    '2024-04-00T00:00:00Z',
    '2024-04-04T24:00:00Z',
    '2024-04-04T18:60:00Z',
    '2024-04-04T18:32:61Z',
    // ISO 8601: bad offsets, bad shapes, trailing garbage.
    '2024-04-04T18:32:15+25:00',
    '2024-04-04T18:32:15+05:60',
    '2024-04-04T18:32:15+5',
    '2024-04-04T18:32:15 EST',
    '2024-4-4T18:32:15Z',
    '2024-04-04T1:32:15Z',
    '2024-04-04T18:32:15Zgarbage',
    '2024-04-04T18:32:15.Z',
    '2024-04-04X18:32:15Z',
  ]);
});

describe('parseCallTimestamp: RFC 2822 whitespace and early years', () => {
  test(
    'RFC 2822 allows no space after the day-name comma ("Thu,04 Apr 2024 ...")',
    () => {
      assert.equal(epochOf('Thu,04 Apr 2024 18:32:15 +0000'), utc(2024, 4, 4, 18, 32, 15));
    },
  );

  test(
    'four-digit years below 100 keep their year (no 1900 shift)',
    () => {
      const expected = new Date(0);
      expected.setUTCFullYear(50, 0, 1);
      assert.equal(epochOf('0050-01-01T00:00:00Z'), expected.getTime());
    },
  );
});
