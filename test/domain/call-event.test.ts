/**
 * Example-based tests for parseIncomingCallStatus: each validation rule of the issue, each problem
 * naming its field, extra fields kept, non-E.164 numbers flagged, and prototype safety.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIncomingCallStatus, type CallStatusEvent, type ParseResult } from '../../src/domain/call-event.js';
import { decodeFormPairs, decodeJsonObject, pairsToFields } from '../../src/domain/callback-body.js';

const REQUIRED = ['CallSid', 'AccountSid', 'From', 'To', 'Timestamp', 'CallStatus', 'CallDuration', 'AudioInMos'] as const;

/** A complete, valid callback as SignalWire documents it; a fresh object each call. */
function validFields(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    CallSid: 'CA7b1c2d3e-0000-4000-8000-000000000001',
    AccountSid: 'AC0f1e2d3c-0000-4000-8000-000000000002',
    From: '+15551234567',
    To: '+15557654321',
    Timestamp: 'Thu, 04 Apr 2024 18:32:15 +0000',
    CallStatus: 'completed',
    CallDuration: '42',
    AudioInMos: '4.3',
    ...overrides,
  };
}

function expectOk(result: ParseResult): CallStatusEvent {
  if (!result.ok) assert.fail(`expected ok, got problems ${JSON.stringify(result.problems)}`);
  assert.equal('problems' in result, false, 'an ok result carries no problems');
  return result.event;
}

function expectProblems(result: ParseResult): Array<{ field: string; message: string }> {
  if (result.ok) assert.fail(`expected problems, got event ${JSON.stringify(result.event)}`);
  assert.equal('event' in result, false, 'a failed result carries no event');
  assert.ok(result.problems.length > 0, 'a failed result lists at least one problem');
  for (const problem of result.problems) {
    assert.equal(typeof problem.field, 'string');
    assert.equal(typeof problem.message, 'string');
    assert.ok(problem.message.length > 0, 'every problem explains itself');
  }
  return result.problems;
}

function problemFields(result: ParseResult): string[] {
  return expectProblems(result).map((problem) => problem.field).sort();
}

describe('parseIncomingCallStatus: a valid callback', () => {
  test('is normalised field by field', () => {
    const event = expectOk(parseIncomingCallStatus(validFields()));
    assert.deepEqual(event, {
      callSid: 'CA7b1c2d3e-0000-4000-8000-000000000001',
      accountSid: 'AC0f1e2d3c-0000-4000-8000-000000000002',
      from: '+15551234567',
      to: '+15557654321',
      fromIsE164: true,
      toIsE164: true,
      timestamp: new Date(1_712_255_535_000),
      timestampText: 'Thu, 04 Apr 2024 18:32:15 +0000',
      status: 'completed',
      durationSeconds: 42,
      mos: 4.3,
      extra: {},
    });
    assert.equal(event.timestamp.getTime(), 1_712_255_535_000);
  });

  test('does not modify its input', () => {
    const fields = validFields({ Direction: 'inbound' });
    const copy = structuredClone(fields);
    parseIncomingCallStatus(fields);
    assert.deepEqual(fields, copy);
  });

  test('the Timestamp keeps its original text next to the UTC instant', () => {
    const text = 'Thur, 04 Apr 2024 13:32:15 EST';
    const event = expectOk(parseIncomingCallStatus(validFields({ Timestamp: text })));
    assert.equal(event.timestampText, text);
    assert.equal(event.timestamp.getTime(), Date.UTC(2024, 3, 4, 18, 32, 15));
  });

  test('an ISO 8601 Timestamp is accepted too', () => {
    const event = expectOk(parseIncomingCallStatus(validFields({ Timestamp: '2024-04-05T00:02:15.250+05:30' })));
    assert.equal(event.timestamp.getTime(), Date.UTC(2024, 3, 4, 18, 32, 15, 250));
    assert.equal(event.timestampText, '2024-04-05T00:02:15.250+05:30');
  });
});

describe('parseIncomingCallStatus: required string fields', () => {
  for (const name of REQUIRED) {
    test(`a missing ${name} is reported under its own name`, () => {
      const fields = validFields();
      delete fields[name];
      assert.deepEqual(problemFields(parseIncomingCallStatus(fields)), [name]);
    });

    test(`a null ${name} is reported as missing`, () => {
      assert.deepEqual(problemFields(parseIncomingCallStatus(validFields({ [name]: null }))), [name]);
    });

    test(`a number, boolean or object ${name} is reported (strings only)`, () => {
      for (const value of [42, 4.3, 0, true, false, { nested: 'x' }]) {
        assert.deepEqual(problemFields(parseIncomingCallStatus(validFields({ [name]: value }))), [name], `value ${JSON.stringify(value)}`);
      }
    });

    test(`a repeated ${name} (an array) is reported`, () => {
      const original = validFields()[name] as string;
      assert.deepEqual(problemFields(parseIncomingCallStatus(validFields({ [name]: [original, original] }))), [name]);
    });
  }

  test('an empty object lists all eight fields, each once', () => {
    assert.deepEqual(problemFields(parseIncomingCallStatus({})), [...REQUIRED].sort());
  });

  test('fields inherited through the prototype do not count as given', () => {
    const fields = Object.create(validFields()) as Record<string, unknown>;
    assert.deepEqual(problemFields(parseIncomingCallStatus(fields)), [...REQUIRED].sort());
  });

  test('a null-prototype object is read like any other', () => {
    const fields = Object.assign(Object.create(null) as Record<string, unknown>, validFields());
    expectOk(parseIncomingCallStatus(fields));
  });

  test('field names are case-sensitive (callsid is not CallSid)', () => {
    const fields = validFields();
    delete fields.CallSid;
    fields.callsid = 'CA1';
    assert.deepEqual(problemFields(parseIncomingCallStatus(fields)), ['CallSid']);
  });

  test('an empty CallSid or AccountSid is reported', () => {
    assert.deepEqual(problemFields(parseIncomingCallStatus(validFields({ CallSid: '' }))), ['CallSid']);
    assert.deepEqual(problemFields(parseIncomingCallStatus(validFields({ AccountSid: '  ' }))), ['AccountSid']);
  });

  test('every problem is listed at once, each under its field', () => {
    const result = parseIncomingCallStatus(
      validFields({ CallStatus: 'ringing', CallDuration: '-3', AudioInMos: '7', Timestamp: 'soon', From: 5 }),
    );
    assert.deepEqual(problemFields(result), ['AudioInMos', 'CallDuration', 'CallStatus', 'From', 'Timestamp']);
  });
});

describe('parseIncomingCallStatus: CallStatus', () => {
  for (const status of ['completed', 'failed', 'busy', 'no-answer', 'canceled'] as const) {
    test(`accepts "${status}"`, () => {
      const event = expectOk(parseIncomingCallStatus(validFields({ CallStatus: status, CallDuration: '0' })));
      assert.equal(event.status, status);
    });
  }

  for (const status of ['', 'ringing', 'in-progress', 'queued', 'initiated', 'answered', 'complete', 'cancelled', 'no answer', 'success']) {
    test(`refuses ${JSON.stringify(status)}`, () => {
      assert.deepEqual(problemFields(parseIncomingCallStatus(validFields({ CallStatus: status }))), ['CallStatus']);
    });
  }
});

describe('parseIncomingCallStatus: CallDuration', () => {
  for (const [text, seconds] of [['0', 0], ['1', 1], ['42', 42], ['3600', 3600], ['86400', 86_400], ['007', 7]] as const) {
    test(`reads ${JSON.stringify(text)} as ${seconds} s`, () => {
      assert.equal(expectOk(parseIncomingCallStatus(validFields({ CallDuration: text }))).durationSeconds, seconds);
    });
  }

  for (const status of ['failed', 'busy', 'no-answer', 'canceled']) {
    test(`an empty CallDuration on a ${status} call means no duration (null)`, () => {
      const event = expectOk(parseIncomingCallStatus(validFields({ CallStatus: status, CallDuration: '' })));
      assert.equal(event.durationSeconds, null);
    });
  }

  test('a failed call may still carry a duration', () => {
    assert.equal(expectOk(parseIncomingCallStatus(validFields({ CallStatus: 'failed', CallDuration: '3' }))).durationSeconds, 3);
  });

  test('an empty CallDuration on a completed call is reported', () => {
    assert.deepEqual(problemFields(parseIncomingCallStatus(validFields({ CallDuration: '' }))), ['CallDuration']);
  });

  for (const text of ['-1', '1.5', '1.0', '+5', '1e3', '0x10', 'abc', 'NaN', 'Infinity', '4 2', '٤٢']) {
    test(`refuses ${JSON.stringify(text)}`, () => {
      assert.deepEqual(problemFields(parseIncomingCallStatus(validFields({ CallDuration: text }))), ['CallDuration']);
    });
  }

  test('a bad duration on a non-completed call is still reported', () => {
    assert.deepEqual(problemFields(parseIncomingCallStatus(validFields({ CallStatus: 'failed', CallDuration: '-1' }))), ['CallDuration']);
  });
});

describe('parseIncomingCallStatus: AudioInMos', () => {
  for (const [text, score] of [['1', 1], ['1.0', 1], ['4.3', 4.3], ['4.35', 4.35], ['2.5', 2.5], ['5', 5], ['5.00', 5]] as const) {
    test(`reads ${JSON.stringify(text)} as ${score}`, () => {
      assert.equal(expectOk(parseIncomingCallStatus(validFields({ AudioInMos: text }))).mos, score);
    });
  }

  for (const text of ['', '0']) {
    test(`${JSON.stringify(text)} means no score (null)`, () => {
      assert.equal(expectOk(parseIncomingCallStatus(validFields({ AudioInMos: text }))).mos, null);
    });
  }

  for (const text of ['0.5', '0.99', '5.01', '6', '10', '-1', '-4.3', 'abc', 'NaN', 'Infinity', '4,3', '1e0', '.5', '4.', 'four']) {
    test(`refuses ${JSON.stringify(text)}`, () => {
      assert.deepEqual(problemFields(parseIncomingCallStatus(validFields({ AudioInMos: text }))), ['AudioInMos']);
    });
  }
});

describe('parseIncomingCallStatus: Timestamp', () => {
  for (const text of ['', 'soon', '2024-02-30T00:00:00Z', 'Thu, 04 Apr 2024 24:00:00 +0000', 'Thu, 04 Apr 2024 18:32:15']) {
    test(`refuses ${JSON.stringify(text)}`, () => {
      assert.deepEqual(problemFields(parseIncomingCallStatus(validFields({ Timestamp: text }))), ['Timestamp']);
    });
  }
});

describe('parseIncomingCallStatus: From and To', () => {
  const notE164 = ['anonymous', 'Anonymous', 'restricted', 'sip:alice@example.com', 'sip:+15551234567@sip.example.com', '5551234567', '+0123456', '', '+1234567890123456'];
  for (const value of notE164) {
    test(`keeps From ${JSON.stringify(value)} and flags it as not E.164`, () => {
      const event = expectOk(parseIncomingCallStatus(validFields({ From: value })));
      assert.equal(event.from, value);
      assert.equal(event.fromIsE164, false);
      assert.equal(event.toIsE164, true);
    });

    test(`keeps To ${JSON.stringify(value)} and flags it as not E.164`, () => {
      const event = expectOk(parseIncomingCallStatus(validFields({ To: value })));
      assert.equal(event.to, value);
      assert.equal(event.toIsE164, false);
      assert.equal(event.fromIsE164, true);
    });
  }

  for (const value of ['+15551234567', '+442071838750', '+12', '+123456789012345']) {
    test(`flags ${value} as E.164`, () => {
      const event = expectOk(parseIncomingCallStatus(validFields({ From: value, To: value })));
      assert.equal(event.fromIsE164, true);
      assert.equal(event.toIsE164, true);
    });
  }
});

describe('parseIncomingCallStatus: extra fields', () => {
  test('unknown fields are kept as received, the eight are not repeated there', () => {
    const event = expectOk(
      parseIncomingCallStatus(
        validFields({ Direction: 'inbound', ApiVersion: '2010-04-01', CallerName: '', Tags: ['a', 'b'], Nested: { x: 1 } }),
      ),
    );
    assert.deepEqual(event.extra, { Direction: 'inbound', ApiVersion: '2010-04-01', CallerName: '', Tags: ['a', 'b'], Nested: { x: 1 } });
  });

  test('extra fields named like Object.prototype members are kept as data', () => {
    const event = expectOk(parseIncomingCallStatus(validFields({ constructor: 'c', toString: 't', hasOwnProperty: 'h', valueOf: 'v' })));
    assert.deepEqual({ ...event.extra }, { constructor: 'c', toString: 't', hasOwnProperty: 'h', valueOf: 'v' });
    assert.equal(Object.hasOwn(event.extra, 'toString'), true);
  });

  test('extra fields from a form body keep repeated values in order', () => {
    const pairs = decodeFormPairs(
      'CallSid=CA1&AccountSid=AC1&From=%2B15551234567&To=%2B15557654321&Timestamp=Thu%2C+04+Apr+2024+18%3A32%3A15+%2B0000' +
        '&CallStatus=completed&CallDuration=42&AudioInMos=4.3&Tag=b&Other=x&Tag=a',
    );
    const event = expectOk(parseIncomingCallStatus(pairsToFields(pairs)));
    assert.deepEqual(event.extra, { Tag: ['b', 'a'], Other: 'x' });
    assert.equal(event.timestamp.getTime(), 1_712_255_535_000);
  });
});

describe('parseIncomingCallStatus: __proto__ as a field name', () => {
  const jsonWithProto = `{"CallSid":"CA1","AccountSid":"AC1","From":"+15551234567","To":"+15557654321",` +
    `"Timestamp":"2024-04-04T18:32:15Z","CallStatus":"completed","CallDuration":"42","AudioInMos":"4.3",` +
    `"__proto__":{"polluted":"yes","CallSid":"CA-from-proto"}}`;

  test('a JSON __proto__ field does not pollute Object.prototype', () => {
    const fields = decodeJsonObject(jsonWithProto);
    assert.ok(fields !== null);
    const result = parseIncomingCallStatus(fields);
    expectOk(result);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  });

  test('a form __proto__ field does not pollute Object.prototype', () => {
    const fields = pairsToFields([...Object.entries(validFields() as Record<string, string>), ['__proto__', 'x'], ['__proto__', 'y']]);
    expectOk(parseIncomingCallStatus(fields));
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, '0'), false);
    assert.equal(({} as Record<string, unknown>)[0], undefined);
  });

  test('a required field smuggled in through __proto__ is still missing', () => {
    const fields = decodeJsonObject('{"__proto__":{"CallSid":"CA1"}}');
    assert.ok(fields !== null);
    assert.deepEqual(problemFields(parseIncomingCallStatus(fields)), [...REQUIRED].sort());
  });

  test(
    'a JSON __proto__ field is kept as an own extra field and does not change extra\'s prototype',
    () => {
      const fields = decodeJsonObject(jsonWithProto);
      assert.ok(fields !== null);
      const event = expectOk(parseIncomingCallStatus(fields));
      assert.equal(Object.getPrototypeOf(event.extra), Object.prototype);
      assert.equal((event.extra as Record<string, unknown>).polluted, undefined);
      assert.equal(Object.hasOwn(event.extra, '__proto__'), true);
      assert.deepEqual(Object.getOwnPropertyDescriptor(event.extra, '__proto__')?.value, { polluted: 'yes', CallSid: 'CA-from-proto' });
    },
  );

  test(
    'a form __proto__ field is kept as an own extra field',
    () => {
      const fields = pairsToFields([...Object.entries(validFields() as Record<string, string>), ['__proto__', 'x']]);
      const event = expectOk(parseIncomingCallStatus(fields));
      assert.deepEqual(Object.getOwnPropertyDescriptor(event.extra, '__proto__')?.value, 'x');
    },
  );
});

describe('parseIncomingCallStatus: never throws', () => {
  for (const [label, value] of [['an array', []], ['a string', 'CallSid=CA1'], ['a number', 42], ['a boolean', true]] as const) {
    test(`given ${label}, it names the body as the problem`, () => {
      const result = parseIncomingCallStatus(value as unknown as Record<string, unknown>);
      assert.deepEqual(problemFields(result), ['(body)']);
    });
  }

  test(
    'given null or undefined, it names the body as the problem instead of throwing',
    () => {
      for (const value of [null, undefined]) {
        const result = parseIncomingCallStatus(value as unknown as Record<string, unknown>);
        assert.deepEqual(problemFields(result), ['(body)']);
      }
    },
  );
});
