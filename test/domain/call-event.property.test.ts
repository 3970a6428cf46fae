/**
 * Property tests for the callback parser: it never throws and answers ok xor problems, its ok answers
 * always respect the rules, and a valid generated callback (form or JSON, any field order, RFC 2822
 * or ISO 8601 timestamp in any zone) always round-trips to the generated values.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseIncomingCallStatus, type ParseResult } from '../../src/domain/call-event.js';
import { decodeFormPairs, decodeJsonObject, pairsToFields } from '../../src/domain/callback-body.js';
import { parseCallTimestamp } from '../../src/domain/timestamp.js';
import { formBody } from '../helpers/independent-signer.js';

const RUNS = 300;
const REQUIRED = ['CallSid', 'AccountSid', 'From', 'To', 'Timestamp', 'CallStatus', 'CallDuration', 'AudioInMos'];
const STATUSES = ['completed', 'failed', 'busy', 'no-answer', 'canceled'] as const;
type Status = (typeof STATUSES)[number];

// ---------------------------------------------------------------------------------------------
// Shape checks shared by the properties.

function assertWellFormed(result: ParseResult): void {
  assert.equal(typeof result, 'object');
  assert.equal(typeof result.ok, 'boolean');
  if (result.ok) {
    assert.equal('problems' in result, false, 'ok carries no problems');
    const event = result.event;
    assert.ok((STATUSES as readonly string[]).includes(event.status), `status ${event.status}`);
    assert.ok(event.timestamp instanceof Date && Number.isFinite(event.timestamp.getTime()), 'timestamp is a real instant');
    assert.ok(event.durationSeconds === null || (Number.isInteger(event.durationSeconds) && event.durationSeconds >= 0));
    if (event.status === 'completed') assert.notEqual(event.durationSeconds, null, 'a completed call has a duration');
    assert.ok(event.mos === null || (event.mos >= 1 && event.mos <= 5), `mos ${event.mos}`);
    assert.ok(event.callSid.trim() !== '' && event.accountSid.trim() !== '');
    for (const name of REQUIRED) assert.equal(Object.hasOwn(event.extra, name), false, `${name} is not an extra`);
  } else {
    assert.equal('event' in result, false, 'problems carry no event');
    assert.ok(Array.isArray(result.problems) && result.problems.length > 0, 'at least one problem');
    for (const problem of result.problems) {
      assert.ok(REQUIRED.includes(problem.field) || problem.field === '(body)', `problem field ${problem.field} is one of the eight, or the body`);
      assert.equal(typeof problem.message, 'string');
      assert.ok(problem.message.length > 0);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Generators of valid callbacks (the expected values are known by construction).

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

const DAY_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DAY_LONG = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const DAY_ALT: Record<number, string[]> = { 2: ['Tues'], 4: ['Thur', 'Thurs'] };
const MONTH_SHORT = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_LONG = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const NAMED_ZONES: Record<string, number> = {
  GMT: 0, UT: 0, UTC: 0, EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
};

interface Stamp { text: string; epoch: number }

const instant = fc.integer({ min: Date.UTC(1950, 0, 2), max: Date.UTC(2099, 11, 30) });
const offsetMinutes = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });

function numericOffset(minutes: number, colon: boolean): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}${colon ? ':' : ''}${pad(abs % 60)}`;
}

/** The local wall-clock fields of `epoch` in a zone `offset` minutes east of UTC. */
function wallClock(epoch: number, offset: number): Date {
  return new Date(epoch + offset * 60_000);
}

const rfc2822Stamp: fc.Arbitrary<Stamp> = fc
  .record({
    epoch: instant,
    zone: fc.oneof(
      fc.record({ offset: offsetMinutes, colon: fc.boolean() }).map(({ offset, colon }) => ({ offset, text: numericOffset(offset, colon) })),
      fc.constantFrom(...Object.keys(NAMED_ZONES)).map((name) => ({ offset: NAMED_ZONES[name]!, text: name })),
    ),
    dayStyle: fc.constantFrom('none', 'short', 'long', 'alt'),
    monthStyle: fc.constantFrom('short', 'long', 'alt', 'dot'),
    twoDigitYear: fc.boolean(),
    padDay: fc.boolean(),
    withSeconds: fc.boolean(),
    letterCase: fc.constantFrom('as-is', 'lower', 'upper'),
  })
  .map(({ epoch, zone, dayStyle, monthStyle, twoDigitYear, padDay, withSeconds, letterCase }) => {
    const exact = withSeconds ? Math.floor(epoch / 1000) * 1000 : Math.floor(epoch / 60_000) * 60_000;
    const local = wallClock(exact, zone.offset);
    const weekday = local.getUTCDay();
    const month = local.getUTCMonth();
    const year = local.getUTCFullYear();
    const dayName =
      dayStyle === 'none' ? '' : dayStyle === 'long' ? DAY_LONG[weekday]! : dayStyle === 'alt' ? (DAY_ALT[weekday]?.[0] ?? DAY_SHORT[weekday]!) : DAY_SHORT[weekday]!;
    const monthName =
      monthStyle === 'long' ? MONTH_LONG[month]! : monthStyle === 'alt' && month === 8 ? 'Sept' : monthStyle === 'dot' ? `${MONTH_SHORT[month]!}.` : MONTH_SHORT[month]!;
    const yearText = twoDigitYear && year >= 1950 && year <= 2049 ? pad(year % 100) : String(year);
    const dayText = padDay ? pad(local.getUTCDate()) : String(local.getUTCDate());
    const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}${withSeconds ? `:${pad(local.getUTCSeconds())}` : ''}`;
    let text = `${dayName === '' ? '' : `${dayName}, `}${dayText} ${monthName} ${yearText} ${time} ${zone.text}`;
    if (letterCase === 'lower') text = text.toLowerCase();
    if (letterCase === 'upper') text = text.toUpperCase();
    return { text, epoch: exact };
  });

const iso8601Stamp: fc.Arbitrary<Stamp> = fc
  .record({
    epoch: instant,
    zone: fc.oneof(
      fc.constantFrom({ offset: 0, text: 'Z' }, { offset: 0, text: 'z' }, { offset: 0, text: '' }),
      fc.record({ offset: offsetMinutes, colon: fc.boolean() }).map(({ offset, colon }) => ({ offset, text: numericOffset(offset, colon) })),
      fc.integer({ min: -23, max: 23 }).map((hours) => ({ offset: hours * 60, text: numericOffset(hours * 60, false).slice(0, 3) })),
    ),
    separator: fc.constantFrom('T', ' '),
    precision: fc.constantFrom('minutes', 'seconds', 'fraction'),
    fractionDigits: fc.integer({ min: 1, max: 9 }),
    extraDigits: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 6, maxLength: 6 }),
    comma: fc.boolean(),
  })
  .map(({ epoch, zone, separator, precision, fractionDigits, extraDigits, comma }) => {
    let exact: number;
    let fraction = '';
    if (precision === 'minutes') exact = Math.floor(epoch / 60_000) * 60_000;
    else {
      const seconds = Math.floor(epoch / 1000) * 1000;
      exact = seconds;
      if (precision === 'fraction') {
        const millis = pad(epoch - seconds, 3);
        const digits = fractionDigits <= 3 ? millis.slice(0, fractionDigits) : millis + extraDigits.slice(0, fractionDigits - 3);
        exact = seconds + Number(digits.slice(0, 3).padEnd(3, '0'));
        fraction = `${comma ? ',' : '.'}${digits}`;
      }
    }
    const local = wallClock(exact, zone.offset);
    const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
    const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}${precision === 'minutes' ? '' : `:${pad(local.getUTCSeconds())}`}`;
    return { text: `${date}${separator}${time}${fraction}${zone.text}`, epoch: exact };
  });

const stamp = fc.oneof(rfc2822Stamp, iso8601Stamp);

const e164 = fc
  .tuple(fc.integer({ min: 1, max: 9 }), fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 14 }))
  .map(([first, rest]) => ({ text: `+${first}${rest}`, e164: true }));
const notE164 = fc.oneof(
  fc.constantFrom('anonymous', 'Anonymous', 'restricted', 'unknown', '', '+0123', '5551234567'),
  fc.tuple(fc.constantFrom('alice', 'bob', '+15551234567'), fc.domain()).map(([user, host]) => `sip:${user}@${host}`),
).map((text) => ({ text, e164: false }));
const party = fc.oneof(e164, notE164);

const nonBlank = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }).map((hex) => `CA${hex}`),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).filter((text) => text.trim() !== ''),
);

function durationFor(status: Status): fc.Arbitrary<{ text: string; value: number | null }> {
  const numbers = fc.oneof(
    fc.nat({ max: 7200 }),
    fc.nat({ max: 999_999_999 }),
  ).chain((value) =>
    // Leading zeros only while the text stays within 9 digits (src caps CallDuration at 9 digits; see report).
    fc.constantFrom(String(value), pad(value, Math.min(9, String(value).length + 2))).map((text) => ({ text, value })),
  );
  return status === 'completed' ? numbers : fc.oneof(numbers, fc.constant({ text: '', value: null }));
}

const mos: fc.Arbitrary<{ text: string; value: number | null }> = fc.oneof(
  fc.constantFrom({ text: '', value: null }, { text: '0', value: null }),
  fc.integer({ min: 1, max: 5 }).map((n) => ({ text: String(n), value: n })),
  fc.integer({ min: 10, max: 50 }).map((n) => ({ text: `${Math.floor(n / 10)}.${n % 10}`, value: n / 10 })),
  fc.integer({ min: 100, max: 500 }).map((n) => ({ text: `${Math.floor(n / 100)}.${pad(n % 100)}`, value: n / 100 })),
);

// `__proto__` as a field name has its own example tests in call-event.test.ts.
const extraName = fc
  .oneof(fc.constantFrom('Direction', 'ApiVersion', 'CallerName', 'ForwardedFrom', 'callsid', 'constructor', ''), fc.string({ unit: 'binary', maxLength: 12 }))
  .filter((name) => !REQUIRED.includes(name) && name !== '__proto__');
const extraValue = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.array(fc.string({ unit: 'binary', maxLength: 10 }), { minLength: 2, maxLength: 3 }) },
);

interface Generated {
  callSid: string;
  accountSid: string;
  from: { text: string; e164: boolean };
  to: { text: string; e164: boolean };
  stamp: Stamp;
  status: Status;
  duration: { text: string; value: number | null };
  mos: { text: string; value: number | null };
  extras: Array<[string, string | string[]]>;
}

const generated: fc.Arbitrary<Generated> = fc.constantFrom(...STATUSES).chain((status) =>
  fc.record({
    callSid: nonBlank,
    accountSid: nonBlank,
    from: party,
    to: party,
    stamp,
    status: fc.constant(status),
    duration: durationFor(status),
    mos,
    extras: fc.uniqueArray(fc.tuple(extraName, extraValue), { maxLength: 5, selector: ([name]) => name }),
  }),
);

/** Every field as name/value pairs (a repeated extra as several pairs). */
function pairsOf(g: Generated): Array<[string, string]> {
  const pairs: Array<[string, string]> = [
    ['CallSid', g.callSid], ['AccountSid', g.accountSid], ['From', g.from.text], ['To', g.to.text],
    ['Timestamp', g.stamp.text], ['CallStatus', g.status], ['CallDuration', g.duration.text], ['AudioInMos', g.mos.text],
  ];
  for (const [name, value] of g.extras) {
    if (Array.isArray(value)) for (const item of value) pairs.push([name, item]);
    else pairs.push([name, value]);
  }
  return pairs;
}

/** A generated callback, its fields in a random order, sent as a form body or a JSON body. */
const encoded = generated.chain((g) => {
  const pairs = pairsOf(g);
  return fc.record({
    g: fc.constant(g),
    order: fc.shuffledSubarray(pairs, { minLength: pairs.length, maxLength: pairs.length }),
    encoding: fc.constantFrom('form' as const, 'json' as const),
  });
});

/** Groups pairs by name in the order given: what the extras should come back as. */
function expectedExtra(pairs: ReadonlyArray<[string, string]>): Record<string, string | string[]> {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    if (REQUIRED.includes(name)) continue;
    grouped.set(name, [...(grouped.get(name) ?? []), value]);
  }
  return Object.fromEntries([...grouped].map(([name, values]) => [name, values.length === 1 ? values[0]! : values]));
}

function bodyOf(order: Array<[string, string]>, encoding: 'form' | 'json'): string {
  if (encoding === 'form') return formBody(order);
  const object: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(expectedExtra(order))) object[name] = value;
  for (const [name, value] of order) if (REQUIRED.includes(name)) object[name] = value;
  return JSON.stringify(object);
}

function decode(body: string, encoding: 'form' | 'json'): Record<string, unknown> | null {
  return encoding === 'form' ? pairsToFields(decodeFormPairs(body)) : decodeJsonObject(body);
}

// ---------------------------------------------------------------------------------------------

describe('parseIncomingCallStatus: never throws, ok xor problems', () => {
  test('(a) arbitrary values, null and undefined included', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true, withSparseArray: true }), (value) => {
        assertWellFormed(parseIncomingCallStatus(value as Record<string, unknown>));
      }),
      { numRuns: RUNS },
    );
  });

  test('(a) objects with all eight names bound to arbitrary values', () => {
    const anyValue = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.anything());
    fc.assert(
      fc.property(fc.record(Object.fromEntries(REQUIRED.map((name) => [name, anyValue]))), fc.dictionary(fc.string(), fc.anything()), (required, extra) => {
        assertWellFormed(parseIncomingCallStatus({ ...extra, ...required }));
      }),
      { numRuns: RUNS },
    );
  });

  test('(a) near-valid strings: each field from valid and invalid look-alikes', () => {
    const field = (valid: fc.Arbitrary<string>, invalid: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.oneof(valid, invalid, fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(
        fc.record({
          CallSid: field(nonBlank, fc.constantFrom('', ' ')),
          AccountSid: field(nonBlank, fc.constantFrom('', '\t')),
          From: party.map((p) => p.text),
          To: party.map((p) => p.text),
          Timestamp: field(stamp.map((s) => s.text), fc.constantFrom('', '2024-02-30T00:00:00Z', 'Thu, 04 Apr 2024 24:00:00 +0000', 'now')),
          CallStatus: field(fc.constantFrom(...STATUSES), fc.constantFrom('ringing', 'COMPLETED ', 'in-progress', '')),
          CallDuration: field(fc.nat().map(String), fc.constantFrom('', '-1', '1.5', ' 7 ', '1e3')),
          AudioInMos: field(mos.map((m) => m.text), fc.constantFrom('0.5', '5.1', '-1', 'NaN', ' 4 ')),
        }),
        (fields) => {
          assertWellFormed(parseIncomingCallStatus(fields));
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('(a) a valid body with one byte flipped still parses without throwing', () => {
    fc.assert(
      fc.property(encoded, fc.nat(), fc.integer({ min: 1, max: 255 }), ({ order, encoding }, at, mask) => {
        const bytes = Buffer.from(bodyOf(order, encoding));
        const index = at % bytes.length;
        bytes[index] = bytes[index]! ^ mask;
        const fields = decode(bytes.toString('utf8'), encoding);
        if (fields !== null) assertWellFormed(parseIncomingCallStatus(fields));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('parseIncomingCallStatus: valid callbacks round-trip', () => {
  test('(b) form or JSON, any field order: the event holds exactly the generated values', () => {
    fc.assert(
      fc.property(encoded, ({ g, order, encoding }) => {
        const fields = decode(bodyOf(order, encoding), encoding);
        assert.ok(fields !== null);
        const result = parseIncomingCallStatus(fields);
        if (!result.ok) assert.fail(`problems ${JSON.stringify(result.problems)} for ${JSON.stringify(g)}`);
        const event = result.event;
        assert.equal(event.callSid, g.callSid);
        assert.equal(event.accountSid, g.accountSid);
        assert.equal(event.from, g.from.text);
        assert.equal(event.to, g.to.text);
        assert.equal(event.fromIsE164, g.from.e164);
        assert.equal(event.toIsE164, g.to.e164);
        assert.equal(event.status, g.status);
        assert.equal(event.durationSeconds, g.duration.value);
        assert.equal(event.mos, g.mos.value);
        assert.equal(event.timestampText, g.stamp.text);
        assert.equal(event.timestamp.getTime(), g.stamp.epoch, `${g.stamp.text} -> ${event.timestamp.toISOString()}, expected ${new Date(g.stamp.epoch).toISOString()}`);
        assert.deepEqual(event.extra, expectedExtra(order));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('parseCallTimestamp: properties', () => {
  test('every generated RFC 2822 or ISO 8601 text maps to its instant', () => {
    fc.assert(
      fc.property(stamp, ({ text, epoch }) => {
        assert.equal(parseCallTimestamp(text)?.getTime(), epoch, text);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  test('never throws; answers null or a real instant', () => {
    const lookalike = fc.stringMatching(/^[A-Za-z]{0,9},? ?\d{1,3} [A-Za-z.]{0,10} \d{2,5} \d{1,3}:\d{1,3}(:\d{1,3})? ?[A-Za-z+-:\d]{0,7}$/);
    const isoLike = fc.stringMatching(/^\d{4}-\d{1,3}-\d{1,3}([Tt ]\d{1,3}:\d{1,3}(:\d{1,3}([.,]\d{0,10})?)?)? ?([Zz]|[+-]\d{1,2}:?\d{0,3})?$/);
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-ascii' }), lookalike, isoLike), (text) => {
        const parsed = parseCallTimestamp(text);
        assert.ok(parsed === null || (parsed instanceof Date && Number.isFinite(parsed.getTime())));
      }),
      { numRuns: RUNS * 2 },
    );
  });
});
