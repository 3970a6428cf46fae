/**
 * Tests for time buckets aligned in an IANA zone. Example tests write every expected instant as
 * Date.UTC worked out by hand from the zone's rules (2024: New York DST 03-10 07:00Z .. 11-03 06:00Z,
 * London 03-31 01:00Z .. 10-27 01:00Z, Santiago 09-08 04:00Z (midnight skipped) .. 04-07 03:00Z,
 * Lord Howe +10:30 / +11:00 with a 30-minute shift at 10-05 15:30Z and 04-06 15:00Z; Kolkata +05:30
 * and Kathmandu +05:45 without DST). Property tests check the bucket invariants against a separate
 * Intl-based wall-clock reader, over random instants 2020–2030 and around hand-listed DST changes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  INTERVALS, bucketStart, bucketStarts, formatInZone, instantOfLocal, isValidTimeZone, nextBucketStart, offsetMinutes,
  type Interval,
} from '../../src/metrics/time-zone.js';

const NY = 'America/New_York';
const LONDON = 'Europe/London';
const KOLKATA = 'Asia/Kolkata';
const KATHMANDU = 'Asia/Kathmandu';
const LORD_HOWE = 'Australia/Lord_Howe';
const SANTIAGO = 'America/Santiago';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Date.UTC with a 1-based month. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, millis = 0): number {
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoList = (list: readonly number[]): string[] => list.map(iso);

// ---------------------------------------------------------------------------------------------
// An independent wall-clock reader for the properties (Swedish locale prints "2024-03-10 03:00:00").

const readers = new Map<string, Intl.DateTimeFormat>();
interface Wall { date: string; time: string; minute: number; second: number; isoWeekday: number }
function wall(ms: number, timeZone: string): Wall {
  let reader = readers.get(timeZone);
  if (!reader) {
    reader = new Intl.DateTimeFormat('sv-SE', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    });
    readers.set(timeZone, reader);
  }
  const text = reader.format(ms);
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  assert.ok(match, `unexpected sv-SE format ${text}`);
  const [, y, mo, d, h, mi, s] = match;
  const isoWeekday = ((new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d))).getUTCDay() + 6) % 7) + 1; // 1 = Monday
  return { date: `${y}-${mo}-${d}`, time: `${h}:${mi}:${s}`, minute: Number(mi), second: Number(s), isoWeekday };
}

// ---------------------------------------------------------------------------------------------

describe('isValidTimeZone', () => {
  test('knows IANA names and UTC', () => {
    for (const zone of ['America/New_York', 'UTC', 'Europe/London', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/St_Johns']) {
      assert.equal(isValidTimeZone(zone), true, zone);
    }
  });

  test('refuses unknown names', () => {
    for (const zone of ['Mars/Olympus_Mons', 'America/NewYork', 'not a zone', '', 'Europe/']) {
      assert.equal(isValidTimeZone(zone), false, JSON.stringify(zone));
    }
  });
});

describe('offsetMinutes', () => {
  test('zones without DST', () => {
    assert.equal(offsetMinutes(utc(2024, 1, 15, 12), 'UTC'), 0);
    assert.equal(offsetMinutes(utc(2024, 1, 15, 12), KOLKATA), 330);
    assert.equal(offsetMinutes(utc(2024, 7, 1, 12), KOLKATA), 330);
    assert.equal(offsetMinutes(utc(2024, 1, 15, 12), KATHMANDU), 345);
    assert.equal(offsetMinutes(utc(2024, 7, 1, 12), KATHMANDU), 345);
    assert.equal(offsetMinutes(utc(2024, 1, 15, 12), 'Pacific/Kiritimati'), 840);
  });

  test('New York across both 2024 changes, to the millisecond', () => {
    assert.equal(offsetMinutes(utc(2024, 1, 15, 12), NY), -300);
    assert.equal(offsetMinutes(utc(2024, 7, 1, 12), NY), -240);
    assert.equal(offsetMinutes(utc(2024, 3, 10, 6, 59, 59, 999), NY), -300);
    assert.equal(offsetMinutes(utc(2024, 3, 10, 7), NY), -240);
    assert.equal(offsetMinutes(utc(2024, 11, 3, 5, 59, 59, 999), NY), -240);
    assert.equal(offsetMinutes(utc(2024, 11, 3, 6), NY), -300);
  });

  test('London, St. John\'s, Chatham and Lord Howe across DST', () => {
    assert.equal(offsetMinutes(utc(2024, 3, 31, 0, 59, 59), LONDON), 0);
    assert.equal(offsetMinutes(utc(2024, 3, 31, 1), LONDON), 60);
    assert.equal(offsetMinutes(utc(2024, 10, 27, 0, 59, 59), LONDON), 60);
    assert.equal(offsetMinutes(utc(2024, 10, 27, 1), LONDON), 0);
    assert.equal(offsetMinutes(utc(2024, 1, 15), 'America/St_Johns'), -210);
    assert.equal(offsetMinutes(utc(2024, 7, 1), 'America/St_Johns'), -150);
    assert.equal(offsetMinutes(utc(2024, 1, 15), 'Pacific/Chatham'), 825);
    assert.equal(offsetMinutes(utc(2024, 7, 1), 'Pacific/Chatham'), 765);
    assert.equal(offsetMinutes(utc(2024, 7, 1), LORD_HOWE), 630);
    assert.equal(offsetMinutes(utc(2024, 1, 1), LORD_HOWE), 660);
    assert.equal(offsetMinutes(utc(2024, 10, 5, 15, 29, 59), LORD_HOWE), 630);
    assert.equal(offsetMinutes(utc(2024, 10, 5, 15, 30), LORD_HOWE), 660);
    assert.equal(offsetMinutes(utc(2024, 4, 6, 14, 59, 59), LORD_HOWE), 660);
    assert.equal(offsetMinutes(utc(2024, 4, 6, 15), LORD_HOWE), 630);
  });

  test('instants before 1970 (negative epoch milliseconds)', () => {
    assert.equal(offsetMinutes(-1, NY), -300);
    assert.equal(offsetMinutes(-1, KOLKATA), 330);
    assert.equal(offsetMinutes(-1, 'UTC'), 0);
  });
});

describe('instantOfLocal', () => {
  test('ordinary times', () => {
    assert.equal(iso(instantOfLocal(2024, 7, 4, 12, 0, NY)), iso(utc(2024, 7, 4, 16)));
    assert.equal(iso(instantOfLocal(2024, 1, 15, 9, 30, NY)), iso(utc(2024, 1, 15, 14, 30)));
    assert.equal(iso(instantOfLocal(2024, 6, 1, 0, 0, KOLKATA)), iso(utc(2024, 5, 31, 18, 30)));
    assert.equal(iso(instantOfLocal(2024, 6, 1, 0, 0, KATHMANDU)), iso(utc(2024, 5, 31, 18, 15)));
    assert.equal(iso(instantOfLocal(2024, 7, 1, 13, 0, LONDON)), iso(utc(2024, 7, 1, 12)));
    assert.equal(iso(instantOfLocal(2024, 1, 1, 0, 0, 'UTC')), iso(utc(2024, 1, 1)));
  });

  test('a time skipped by the spring-forward jump lands the same distance after it', () => {
    assert.equal(iso(instantOfLocal(2024, 3, 10, 2, 30, NY)), iso(utc(2024, 3, 10, 7, 30))); // 03:30 EDT
    assert.equal(iso(instantOfLocal(2024, 3, 10, 2, 0, NY)), iso(utc(2024, 3, 10, 7))); // 03:00 EDT
    assert.equal(iso(instantOfLocal(2024, 3, 10, 1, 59, NY)), iso(utc(2024, 3, 10, 6, 59))); // still EST
    assert.equal(iso(instantOfLocal(2024, 3, 10, 3, 0, NY)), iso(utc(2024, 3, 10, 7)));
    assert.equal(iso(instantOfLocal(2024, 3, 31, 1, 30, LONDON)), iso(utc(2024, 3, 31, 1, 30))); // 02:30 BST
    assert.equal(iso(instantOfLocal(2024, 3, 31, 2, 30, 'Europe/Berlin')), iso(utc(2024, 3, 31, 1, 30))); // 03:30 CEST
    assert.equal(iso(instantOfLocal(2024, 10, 6, 2, 15, LORD_HOWE)), iso(utc(2024, 10, 5, 15, 45))); // 02:45 +11:00
    assert.equal(iso(instantOfLocal(2024, 9, 8, 0, 0, SANTIAGO)), iso(utc(2024, 9, 8, 4))); // 01:00 -03:00
  });

  test('a repeated time resolves to its first occurrence', () => {
    assert.equal(iso(instantOfLocal(2024, 11, 3, 1, 30, NY)), iso(utc(2024, 11, 3, 5, 30))); // 01:30 EDT
    assert.equal(iso(instantOfLocal(2024, 11, 3, 1, 0, NY)), iso(utc(2024, 11, 3, 5))); // 01:00 EDT
    assert.equal(iso(instantOfLocal(2024, 11, 3, 0, 59, NY)), iso(utc(2024, 11, 3, 4, 59)));
    assert.equal(iso(instantOfLocal(2024, 11, 3, 2, 0, NY)), iso(utc(2024, 11, 3, 7))); // 02:00 EST, only once
    assert.equal(iso(instantOfLocal(2024, 10, 27, 1, 30, LONDON)), iso(utc(2024, 10, 27, 0, 30))); // 01:30 BST
    assert.equal(iso(instantOfLocal(2024, 10, 27, 2, 30, 'Europe/Berlin')), iso(utc(2024, 10, 27, 0, 30))); // 02:30 CEST
    assert.equal(iso(instantOfLocal(2024, 4, 7, 1, 45, LORD_HOWE)), iso(utc(2024, 4, 6, 14, 45))); // 01:45 +11:00
    assert.equal(iso(instantOfLocal(2024, 4, 6, 23, 30, SANTIAGO)), iso(utc(2024, 4, 7, 2, 30))); // 23:30 -03:00
  });
});

describe('bucketStart', () => {
  test('15 minutes, New York: on a boundary and 1 ms before', () => {
    assert.equal(iso(bucketStart(utc(2024, 7, 4, 16, 7), '15m', NY)), iso(utc(2024, 7, 4, 16)));
    assert.equal(iso(bucketStart(utc(2024, 7, 4, 16, 15), '15m', NY)), iso(utc(2024, 7, 4, 16, 15)));
    assert.equal(iso(bucketStart(utc(2024, 7, 4, 16, 14, 59, 999), '15m', NY)), iso(utc(2024, 7, 4, 16)));
    assert.equal(iso(bucketStart(utc(2024, 7, 4, 16, 59, 59, 999), '15m', NY)), iso(utc(2024, 7, 4, 16, 45)));
  });

  test('1 hour, New York: on a boundary and 1 ms before', () => {
    assert.equal(iso(bucketStart(utc(2024, 7, 4, 16, 59, 59, 999), '1h', NY)), iso(utc(2024, 7, 4, 16)));
    assert.equal(iso(bucketStart(utc(2024, 7, 4, 17), '1h', NY)), iso(utc(2024, 7, 4, 17)));
    assert.equal(iso(bucketStart(utc(2024, 7, 4, 17, 0, 0, 1), '1h', NY)), iso(utc(2024, 7, 4, 17)));
  });

  test('1 day, New York: local midnight (04:00Z in summer), on it and 1 ms before', () => {
    assert.equal(iso(bucketStart(utc(2024, 7, 4, 4), '1d', NY)), iso(utc(2024, 7, 4, 4)));
    assert.equal(iso(bucketStart(utc(2024, 7, 4, 3, 59, 59, 999), '1d', NY)), iso(utc(2024, 7, 3, 4)));
    assert.equal(iso(bucketStart(utc(2024, 7, 4, 23), '1d', NY)), iso(utc(2024, 7, 4, 4)));
    assert.equal(iso(bucketStart(utc(2024, 7, 5, 3, 59, 59, 999), '1d', NY)), iso(utc(2024, 7, 4, 4)));
    assert.equal(iso(bucketStart(utc(2024, 1, 15, 12), '1d', NY)), iso(utc(2024, 1, 15, 5)));
  });

  test('1 day on the DST days themselves', () => {
    assert.equal(iso(bucketStart(utc(2024, 3, 10, 12), '1d', NY)), iso(utc(2024, 3, 10, 5)));
    assert.equal(iso(bucketStart(utc(2024, 3, 11, 3, 59, 59, 999), '1d', NY)), iso(utc(2024, 3, 10, 5))); // 23:59:59.999 EDT
    assert.equal(iso(bucketStart(utc(2024, 3, 11, 4), '1d', NY)), iso(utc(2024, 3, 11, 4)));
    assert.equal(iso(bucketStart(utc(2024, 11, 3, 6, 30), '1d', NY)), iso(utc(2024, 11, 3, 4))); // 01:30 EST
    assert.equal(iso(bucketStart(utc(2024, 11, 4, 4), '1d', NY)), iso(utc(2024, 11, 3, 4))); // 23:00 EST, Nov 3
    assert.equal(iso(bucketStart(utc(2024, 11, 4, 4, 59, 59, 999), '1d', NY)), iso(utc(2024, 11, 3, 4)));
    assert.equal(iso(bucketStart(utc(2024, 11, 4, 5), '1d', NY)), iso(utc(2024, 11, 4, 5)));
    // Santiago skips midnight: 2024-09-08 starts at 01:00 -03:00.
    assert.equal(iso(bucketStart(utc(2024, 9, 8, 15), '1d', SANTIAGO)), iso(utc(2024, 9, 8, 4)));
    assert.equal(iso(bucketStart(utc(2024, 9, 8, 4), '1d', SANTIAGO)), iso(utc(2024, 9, 8, 4)));
    assert.equal(iso(bucketStart(utc(2024, 9, 8, 3, 59, 59, 999), '1d', SANTIAGO)), iso(utc(2024, 9, 7, 4)));
  });

  test('1 week starts on local Monday 00:00', () => {
    // 2024-07-04 is a Thursday; Monday 2024-07-01 00:00 EDT = 04:00Z.
    assert.equal(iso(bucketStart(utc(2024, 7, 4, 16), '1w', NY)), iso(utc(2024, 7, 1, 4)));
    assert.equal(iso(bucketStart(utc(2024, 7, 1, 4), '1w', NY)), iso(utc(2024, 7, 1, 4)));
    assert.equal(iso(bucketStart(utc(2024, 7, 1, 3, 59, 59, 999), '1w', NY)), iso(utc(2024, 6, 24, 4)));
    assert.equal(iso(bucketStart(utc(2024, 7, 8, 3, 59, 59, 999), '1w', NY)), iso(utc(2024, 7, 1, 4))); // Sunday 23:59 local, Monday UTC
    // Across a month (leap February) and a year.
    assert.equal(iso(bucketStart(utc(2024, 3, 1, 12), '1w', NY)), iso(utc(2024, 2, 26, 5)));
    assert.equal(iso(bucketStart(utc(2025, 1, 1, 12), '1w', NY)), iso(utc(2024, 12, 30, 5)));
    assert.equal(iso(bucketStart(utc(2024, 1, 3, 12), '1w', 'UTC')), iso(utc(2024, 1, 1)));
    // Kolkata Monday 2024-06-03 00:00 IST = Sunday 18:30Z.
    assert.equal(iso(bucketStart(utc(2024, 6, 2, 18, 30), '1w', KOLKATA)), iso(utc(2024, 6, 2, 18, 30)));
    assert.equal(iso(bucketStart(utc(2024, 6, 2, 18, 29, 59, 999), '1w', KOLKATA)), iso(utc(2024, 5, 26, 18, 30)));
  });

  test('1 week containing a DST change', () => {
    assert.equal(iso(bucketStart(utc(2024, 3, 10, 12), '1w', NY)), iso(utc(2024, 3, 4, 5)));
    assert.equal(iso(bucketStart(utc(2024, 3, 11, 3, 59, 59, 999), '1w', NY)), iso(utc(2024, 3, 4, 5)));
    assert.equal(iso(bucketStart(utc(2024, 3, 11, 4), '1w', NY)), iso(utc(2024, 3, 11, 4)));
    assert.equal(iso(bucketStart(utc(2024, 11, 3, 12), '1w', NY)), iso(utc(2024, 10, 28, 4)));
    assert.equal(iso(bucketStart(utc(2024, 11, 4, 4, 59, 59, 999), '1w', NY)), iso(utc(2024, 10, 28, 4)));
  });

  test('Kolkata (+05:30) and Kathmandu (+05:45) align to local :00 and :15', () => {
    // 10:07Z = 15:37 IST = 15:52 NPT.
    assert.equal(iso(bucketStart(utc(2024, 6, 1, 10, 7), '15m', KOLKATA)), iso(utc(2024, 6, 1, 10))); // 15:30 IST
    assert.equal(iso(bucketStart(utc(2024, 6, 1, 10, 7), '15m', KATHMANDU)), iso(utc(2024, 6, 1, 10))); // 15:45 NPT
    assert.equal(iso(bucketStart(utc(2024, 6, 1, 10, 7), '1h', KOLKATA)), iso(utc(2024, 6, 1, 9, 30))); // 15:00 IST
    assert.equal(iso(bucketStart(utc(2024, 6, 1, 10, 7), '1h', KATHMANDU)), iso(utc(2024, 6, 1, 9, 15))); // 15:00 NPT
    assert.equal(iso(bucketStart(utc(2024, 6, 1, 10, 15), '1h', KATHMANDU)), iso(utc(2024, 6, 1, 10, 15))); // 16:00 NPT
    assert.equal(iso(bucketStart(utc(2024, 6, 1, 10, 14, 59, 999), '1h', KATHMANDU)), iso(utc(2024, 6, 1, 9, 15)));
    assert.equal(iso(bucketStart(utc(2024, 6, 1, 10, 30), '1h', KOLKATA)), iso(utc(2024, 6, 1, 10, 30)));
    assert.equal(iso(bucketStart(utc(2024, 6, 1, 10, 29, 59, 999), '1h', KOLKATA)), iso(utc(2024, 6, 1, 9, 30)));
    assert.equal(iso(bucketStart(utc(2024, 6, 1, 10, 7), '1d', KOLKATA)), iso(utc(2024, 5, 31, 18, 30)));
    assert.equal(iso(bucketStart(utc(2024, 6, 1, 10, 7), '1d', KATHMANDU)), iso(utc(2024, 5, 31, 18, 15)));
    assert.equal(iso(bucketStart(utc(2024, 5, 31, 18, 14, 59, 999), '1d', KATHMANDU)), iso(utc(2024, 5, 30, 18, 15)));
  });

  test('Lord Howe hourly buckets away from its changes sit on :30 UTC (+10:30) or :00 UTC (+11:00)', () => {
    assert.equal(iso(bucketStart(utc(2024, 7, 1, 12, 10), '1h', LORD_HOWE)), iso(utc(2024, 7, 1, 11, 30)));
    assert.equal(iso(bucketStart(utc(2024, 1, 1, 12, 10), '1h', LORD_HOWE)), iso(utc(2024, 1, 1, 12)));
    // The 15-minute grid does not move with a 30-minute shift.
    assert.equal(iso(bucketStart(utc(2024, 10, 5, 15, 40), '15m', LORD_HOWE)), iso(utc(2024, 10, 5, 15, 30)));
    assert.equal(iso(bucketStart(utc(2024, 4, 6, 15, 5), '15m', LORD_HOWE)), iso(utc(2024, 4, 6, 15)));
  });

  test(
    'Lord Howe hourly buckets at its 30-minute changes start at the first instant of the local hour',
    () => {
      // 2024-10-06 local 02:00 +10:30 jumps to 02:30 +11:00 at 15:30Z: local hour 02 is [15:30Z, 16:00Z).
      assert.equal(iso(bucketStart(utc(2024, 10, 5, 15, 30), '1h', LORD_HOWE)), iso(utc(2024, 10, 5, 15, 30)));
      assert.equal(iso(bucketStart(utc(2024, 10, 5, 15, 45), '1h', LORD_HOWE)), iso(utc(2024, 10, 5, 15, 30)));
      // 2024-04-07 local 02:00 +11:00 falls back to 01:30 +10:30 at 15:00Z: the second local hour 01 is [15:00Z, 15:30Z).
      assert.equal(iso(bucketStart(utc(2024, 4, 6, 15), '1h', LORD_HOWE)), iso(utc(2024, 4, 6, 15)));
      assert.equal(iso(bucketStart(utc(2024, 4, 6, 15, 20), '1h', LORD_HOWE)), iso(utc(2024, 4, 6, 15)));
      assert.deepEqual(
        isoList(bucketStarts(utc(2024, 10, 5, 13, 30), utc(2024, 10, 5, 17), '1h', LORD_HOWE)),
        isoList([utc(2024, 10, 5, 13, 30), utc(2024, 10, 5, 14, 30), utc(2024, 10, 5, 15, 30), utc(2024, 10, 5, 16)]),
      );
      assert.deepEqual(
        isoList(bucketStarts(utc(2024, 4, 6, 13), utc(2024, 4, 6, 16, 30), '1h', LORD_HOWE)),
        isoList([utc(2024, 4, 6, 13), utc(2024, 4, 6, 14), utc(2024, 4, 6, 15), utc(2024, 4, 6, 15, 30)]),
      );
    },
  );
});

describe('bucketStarts', () => {
  test('the New York day of 2024-03-10 is 23 hours, 2024-11-03 is 25 hours', () => {
    assert.deepEqual(
      isoList(bucketStarts(utc(2024, 3, 9, 5), utc(2024, 3, 12, 4), '1d', NY)),
      isoList([utc(2024, 3, 9, 5), utc(2024, 3, 10, 5), utc(2024, 3, 11, 4)]),
    );
    assert.equal(nextBucketStart(utc(2024, 3, 10, 5), '1d', NY) - utc(2024, 3, 10, 5), 23 * HOUR);
    assert.deepEqual(
      isoList(bucketStarts(utc(2024, 11, 2, 4), utc(2024, 11, 5, 5), '1d', NY)),
      isoList([utc(2024, 11, 2, 4), utc(2024, 11, 3, 4), utc(2024, 11, 4, 5)]),
    );
    assert.equal(nextBucketStart(utc(2024, 11, 3, 4), '1d', NY) - utc(2024, 11, 3, 4), 25 * HOUR);
  });

  test('London DST days; Santiago\'s 23-hour day starts at 01:00', () => {
    assert.deepEqual(
      isoList(bucketStarts(utc(2024, 3, 30), utc(2024, 4, 1, 23), '1d', LONDON)),
      isoList([utc(2024, 3, 30), utc(2024, 3, 31), utc(2024, 3, 31, 23)]),
    );
    assert.deepEqual(
      isoList(bucketStarts(utc(2024, 10, 26, 12), utc(2024, 10, 28, 1), '1d', LONDON)),
      isoList([utc(2024, 10, 25, 23), utc(2024, 10, 26, 23), utc(2024, 10, 28)]),
    );
    assert.deepEqual(
      isoList(bucketStarts(utc(2024, 9, 7, 4), utc(2024, 9, 9, 4), '1d', SANTIAGO)),
      isoList([utc(2024, 9, 7, 4), utc(2024, 9, 8, 4), utc(2024, 9, 9, 3)]),
    );
    // 2024-04-06 in Santiago runs 00:00 -03:00 to 24:00 -04:00: 25 hours.
    assert.equal(nextBucketStart(utc(2024, 4, 6, 3), '1d', SANTIAGO) - utc(2024, 4, 6, 3), 25 * HOUR);
  });

  test('hourly buckets over the repeated New York hour are 4 distinct hours', () => {
    assert.deepEqual(
      isoList(bucketStarts(utc(2024, 11, 3, 4), utc(2024, 11, 3, 8), '1h', NY)),
      isoList([utc(2024, 11, 3, 4), utc(2024, 11, 3, 5), utc(2024, 11, 3, 6), utc(2024, 11, 3, 7)]),
    );
    // Spring forward: 00:00 EST, 01:00 EST, 03:00 EDT, 04:00 EDT.
    assert.deepEqual(
      isoList(bucketStarts(utc(2024, 3, 10, 5), utc(2024, 3, 10, 9), '1h', NY)),
      isoList([utc(2024, 3, 10, 5), utc(2024, 3, 10, 6), utc(2024, 3, 10, 7), utc(2024, 3, 10, 8)]),
    );
    // 15-minute buckets through 01:30 EDT .. 01:15 EST.
    assert.deepEqual(
      isoList(bucketStarts(utc(2024, 11, 3, 5, 30), utc(2024, 11, 3, 6, 30), '15m', NY)),
      isoList([utc(2024, 11, 3, 5, 30), utc(2024, 11, 3, 5, 45), utc(2024, 11, 3, 6), utc(2024, 11, 3, 6, 15)]),
    );
  });

  test('a range starting mid-bucket includes that bucket; the end is exclusive', () => {
    assert.deepEqual(
      isoList(bucketStarts(utc(2024, 6, 1, 10, 7), utc(2024, 6, 1, 10, 45), '15m', KATHMANDU)),
      isoList([utc(2024, 6, 1, 10), utc(2024, 6, 1, 10, 15), utc(2024, 6, 1, 10, 30)]),
    );
    assert.deepEqual(
      isoList(bucketStarts(utc(2024, 6, 1, 8), utc(2024, 6, 1, 11), '1h', KATHMANDU)),
      isoList([utc(2024, 6, 1, 7, 15), utc(2024, 6, 1, 8, 15), utc(2024, 6, 1, 9, 15), utc(2024, 6, 1, 10, 15)]),
    );
    assert.deepEqual(
      isoList(bucketStarts(utc(2024, 6, 1, 8), utc(2024, 6, 1, 10, 31), '1h', KOLKATA)),
      isoList([utc(2024, 6, 1, 7, 30), utc(2024, 6, 1, 8, 30), utc(2024, 6, 1, 9, 30), utc(2024, 6, 1, 10, 30)]),
    );
    assert.deepEqual(bucketStarts(utc(2024, 6, 1, 8), utc(2024, 6, 1, 8), '1h', 'UTC'), []);
  });

  test('weekly buckets start on local Monday 00:00 across DST changes', () => {
    assert.deepEqual(
      isoList(bucketStarts(utc(2024, 3, 4, 5), utc(2024, 3, 19, 4), '1w', NY)),
      isoList([utc(2024, 3, 4, 5), utc(2024, 3, 11, 4), utc(2024, 3, 18, 4)]),
    );
    assert.deepEqual(
      isoList(bucketStarts(utc(2024, 10, 30), utc(2024, 11, 12), '1w', NY)),
      isoList([utc(2024, 10, 28, 4), utc(2024, 11, 4, 5), utc(2024, 11, 11, 5)]),
    );
    assert.deepEqual(
      isoList(bucketStarts(utc(2024, 3, 27), utc(2024, 4, 2), '1w', LONDON)),
      isoList([utc(2024, 3, 25), utc(2024, 3, 31, 23)]),
    );
  });
});

describe('formatInZone', () => {
  test('local ISO 8601 with the offset (Z at zero), seconds kept, milliseconds dropped', () => {
    const cases: Array<[number, string, string]> = [
      [utc(2024, 3, 10, 7), NY, '2024-03-10T03:00:00-04:00'],
      [utc(2024, 3, 10, 6, 59, 59), NY, '2024-03-10T01:59:59-05:00'],
      [utc(2024, 11, 3, 5, 30), NY, '2024-11-03T01:30:00-04:00'],
      [utc(2024, 11, 3, 6, 30), NY, '2024-11-03T01:30:00-05:00'],
      [utc(2024, 1, 15, 12), 'UTC', '2024-01-15T12:00:00Z'],
      [utc(2024, 1, 15, 12, 0, 0, 999), 'UTC', '2024-01-15T12:00:00Z'],
      [utc(2024, 1, 15, 12), LONDON, '2024-01-15T12:00:00Z'],
      [utc(2024, 7, 1, 12), LONDON, '2024-07-01T13:00:00+01:00'],
      [utc(2024, 6, 1, 10), KATHMANDU, '2024-06-01T15:45:00+05:45'],
      [utc(2024, 6, 1, 10), KOLKATA, '2024-06-01T15:30:00+05:30'],
      [utc(2024, 1, 15, 12), 'America/St_Johns', '2024-01-15T08:30:00-03:30'],
      [utc(2024, 1, 15), 'Pacific/Chatham', '2024-01-15T13:45:00+13:45'],
      [utc(2024, 1, 15, 12), 'Pacific/Kiritimati', '2024-01-16T02:00:00+14:00'],
      [utc(2024, 1, 1, 5), 'Pacific/Pago_Pago', '2023-12-31T18:00:00-11:00'],
      [utc(2024, 9, 8, 4), SANTIAGO, '2024-09-08T01:00:00-03:00'],
      [utc(2024, 12, 31, 23, 59, 59), 'UTC', '2024-12-31T23:59:59Z'],
    ];
    for (const [ms, zone, expected] of cases) assert.equal(formatInZone(ms, zone), expected, `${iso(ms)} in ${zone}`);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties.

/**
 * Zones for the properties. Lord Howe has its own property below, around its 30-minute changes. Santiago, Havana, Cairo, Beirut and Tehran (to 2022) change clocks at
 * midnight, so some of their days start at 01:00.
 */
const ZONES = [
  'UTC', NY, 'America/Los_Angeles', LONDON, 'Europe/Berlin', KOLKATA, KATHMANDU, 'America/St_Johns',
  'Pacific/Chatham', 'Australia/Adelaide', SANTIAGO, 'America/Havana', 'Africa/Cairo', 'Asia/Beirut',
  'Africa/Casablanca', 'Asia/Tehran', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'America/Sao_Paulo',
] as const;
const MIDNIGHT_CHANGES = new Set<string>([SANTIAGO, 'America/Havana', 'Africa/Cairo', 'Asia/Beirut', 'Asia/Tehran']);

/** 2024 clock changes (hand-listed from the zones' rules) to probe around. */
const CHANGES: ReadonlyArray<readonly [string, number]> = [
  [NY, utc(2024, 3, 10, 7)], [NY, utc(2024, 11, 3, 6)],
  ['America/Los_Angeles', utc(2024, 3, 10, 10)], ['America/Los_Angeles', utc(2024, 11, 3, 9)],
  [LONDON, utc(2024, 3, 31, 1)], [LONDON, utc(2024, 10, 27, 1)],
  ['Europe/Berlin', utc(2024, 3, 31, 1)], ['Europe/Berlin', utc(2024, 10, 27, 1)],
  ['America/St_Johns', utc(2024, 3, 10, 5, 30)], ['America/St_Johns', utc(2024, 11, 3, 4, 30)],
  ['Pacific/Chatham', utc(2024, 4, 6, 14)], ['Pacific/Chatham', utc(2024, 9, 28, 14)],
  ['Australia/Adelaide', utc(2024, 4, 6, 16, 30)], ['Australia/Adelaide', utc(2024, 10, 5, 16, 30)],
  [SANTIAGO, utc(2024, 4, 7, 3)], [SANTIAGO, utc(2024, 9, 8, 4)],
  ['America/Havana', utc(2024, 3, 10, 5)], ['America/Havana', utc(2024, 11, 3, 5)],
  ['Africa/Cairo', utc(2024, 4, 25, 22)], ['Africa/Cairo', utc(2024, 10, 31, 21)],
  ['Asia/Beirut', utc(2024, 3, 30, 22)], ['Asia/Beirut', utc(2024, 10, 26, 21)],
];

/** Checks one bucket: containment, idempotence, contiguity and local alignment. */
function checkBucket(ms: number, interval: Interval, zone: string, probe: number): void {
  const start = bucketStart(ms, interval, zone);
  const next = nextBucketStart(start, interval, zone);
  const where = `${iso(ms)} ${interval} ${zone}: [${iso(start)}, ${iso(next)})`;
  assert.ok(start <= ms && ms < next, `contains ${where}`);
  assert.equal(bucketStart(start, interval, zone), start, `idempotent ${where}`);
  assert.equal(bucketStart(next, interval, zone), next, `next is a start ${where}`);
  assert.equal(bucketStart(next - 1, interval, zone), start, `last ms ${where}`);
  const inside = start + Math.floor(probe * (next - start));
  assert.equal(bucketStart(inside, interval, zone), start, `contiguous at ${iso(inside)} ${where}`);

  const local = wall(start, zone);
  const before = wall(start - 1, zone);
  const length = next - start;
  if (interval === '15m') {
    assert.equal(length, 15 * MINUTE, where);
    assert.ok(local.minute % 15 === 0 && local.second === 0, `local ${local.time} ${where}`);
  } else if (interval === '1h') {
    assert.ok(length > 0 && length <= HOUR, where);
    // An hour starts at local :00, or at a 30-minute clock change (Lord Howe), where the grid moves.
    const atChange = offsetMinutes(start - 1, zone) !== offsetMinutes(start, zone);
    assert.ok((local.minute === 0 || atChange) && local.second === 0, `local ${local.time} ${where}`);
  } else {
    // The bucket is exactly the instants of one local date (1d) or Monday..Sunday (1w).
    assert.ok(before.date < local.date, `first instant of its date ${where}`);
    if (!MIDNIGHT_CHANGES.has(zone)) assert.equal(local.time, '00:00:00', where);
    else assert.ok(local.time === '00:00:00' || local.time === '01:00:00', `local ${local.time} ${where}`);
    const last = wall(next - 1, zone);
    if (interval === '1d') {
      assert.equal(last.date, local.date, where);
      assert.ok(length >= 23 * HOUR && length <= 25 * HOUR, where);
    } else {
      assert.equal(local.isoWeekday, 1, `Monday ${where}`);
      assert.equal(last.isoWeekday, 7, `ends on Sunday ${where}`);
      assert.ok(length >= 167 * HOUR && length <= 169 * HOUR, where);
    }
  }
}

describe('bucket properties', () => {
  const instant = fc.integer({ min: utc(2020, 1, 1), max: utc(2030, 12, 31) });
  const zone = fc.constantFrom(...ZONES);
  const probe = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

  test('property: random instants 2020–2030 fall in exactly one aligned bucket of every interval', () => {
    fc.assert(
      fc.property(instant, zone, probe, (ms, z, p) => {
        for (const interval of INTERVALS) checkBucket(ms, interval, z, p);
      }),
      { numRuns: 400 },
    );
  });

  test('property: the same around hand-listed 2024 clock changes (±30 h)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CHANGES), fc.integer({ min: -30 * HOUR, max: 30 * HOUR }), probe, ([z, change], delta, p) => {
        for (const interval of INTERVALS) checkBucket(change + delta, interval, z, p);
      }),
      { numRuns: 400 },
    );
  });

  test('property: bucketStarts are strictly increasing, chained by nextBucketStart, and cover [from, to)', () => {
    const span: Record<Interval, number> = { '15m': 2 * 24 * HOUR, '1h': 4 * 24 * HOUR, '1d': 40 * 24 * HOUR, '1w': 120 * 24 * HOUR };
    fc.assert(
      fc.property(instant, zone, fc.constantFrom(...INTERVALS), fc.double({ min: 0, max: 1, noNaN: true }), (from, z, interval, fraction) => {
        const to = from + Math.floor(fraction * span[interval]);
        const starts = bucketStarts(from, to, interval, z);
        if (to <= from) {
          // An empty range still yields the bucket of `from` only if it starts before `to`.
          assert.ok(starts.length <= 1);
          return;
        }
        assert.ok(starts.length >= 1);
        assert.equal(starts[0], bucketStart(from, interval, z));
        for (let i = 0; i < starts.length; i++) {
          const start = starts[i]!;
          assert.ok(start < to);
          if (i > 0) {
            assert.ok(start > starts[i - 1]!, `increasing at ${i}`);
            assert.equal(start, nextBucketStart(starts[i - 1]!, interval, z));
          }
          if (interval === '1d' || interval === '1w') {
            const local = wall(start, z);
            if (!MIDNIGHT_CHANGES.has(z)) assert.equal(local.time, '00:00:00', `${iso(start)} ${z}`);
            assert.ok(wall(start - 1, z).date < local.date, `${iso(start)} ${z}`);
            if (interval === '1w') assert.equal(local.isoWeekday, 1, `${iso(start)} ${z}`);
          }
        }
        assert.ok(nextBucketStart(starts[starts.length - 1]!, interval, z) >= to, 'covers the range');
      }),
      { numRuns: 200 },
    );
  });

  test(
    'property: Lord Howe around its 30-minute changes',
    () => {
      const changes = [utc(2024, 4, 6, 15), utc(2024, 10, 5, 15, 30)];
      fc.assert(
        fc.property(fc.constantFrom(...changes), fc.integer({ min: -3 * HOUR, max: 3 * HOUR }), probe, (change, delta, p) => {
          for (const interval of INTERVALS) checkBucket(change + delta, interval, LORD_HOWE, p);
        }),
        { numRuns: 200 },
      );
    },
  );
});
