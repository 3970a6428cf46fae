/**
 * Example-based tests for the wire decoding helpers: content types, form pairs (order, repeats,
 * decoding), folding pairs into fields, JSON objects, and query strings.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFormPairs, decodeJsonObject, encodingOf, pairsToFields, queryOf } from '../../src/domain/callback-body.js';

describe('encodingOf', () => {
  for (const [header, expected] of [
    ['application/x-www-form-urlencoded', 'form'],
    ['application/x-www-form-urlencoded; charset=UTF-8', 'form'],
    ['Application/X-WWW-Form-Urlencoded', 'form'],
    ['  application/x-www-form-urlencoded  ', 'form'],
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['APPLICATION/JSON', 'json'],
    ['application/vnd.signalwire+json', 'json'],
    ['text/plain', null],
    ['text/json', null],
    ['multipart/form-data; boundary=x', null],
    ['application/xml', null],
    ['', null],
    [undefined, null],
  ] as const) {
    test(`${JSON.stringify(header)} -> ${String(expected)}`, () => {
      assert.equal(encodingOf(header), expected);
    });
  }
});

describe('decodeFormPairs', () => {
  test('keeps submission order', () => {
    assert.deepEqual(decodeFormPairs('b=2&a=1&c=3'), [['b', '2'], ['a', '1'], ['c', '3']]);
  });

  test('keeps repeated names, in order', () => {
    assert.deepEqual(decodeFormPairs('Digits=2&x=0&Digits=1'), [['Digits', '2'], ['x', '0'], ['Digits', '1']]);
  });

  test('decodes + as a space and percent escapes as UTF-8', () => {
    assert.deepEqual(decodeFormPairs('Timestamp=Thu%2C+04+Apr+2024&Name=J%C3%BCrgen+%E2%9C%93&Plus=%2B1'), [
      ['Timestamp', 'Thu, 04 Apr 2024'],
      ['Name', 'Jürgen ✓'],
      ['Plus', '+1'],
    ]);
  });

  test('empty values and names without = are kept', () => {
    assert.deepEqual(decodeFormPairs('AudioInMos=&Flag'), [['AudioInMos', ''], ['Flag', '']]);
  });

  test('an empty body has no pairs', () => {
    assert.deepEqual(decodeFormPairs(''), []);
  });

  test('malformed escapes do not throw', () => {
    assert.deepEqual(decodeFormPairs('a=%ZZ&b=%E2%9C'), [['a', '%ZZ'], ['b', '\uFFFD']]);
  });
});

describe('pairsToFields', () => {
  test('one value stays a string, a repeated name becomes an array in order', () => {
    assert.deepEqual(pairsToFields([['a', '1'], ['b', '2'], ['a', '3'], ['a', '4']]), { a: ['1', '3', '4'], b: '2' });
  });

  test('no pairs, no fields', () => {
    assert.deepEqual(pairsToFields([]), {});
  });

  test('__proto__ becomes an own field and pollutes nothing', () => {
    const fields = pairsToFields([['__proto__', 'x'], ['constructor', 'y']]);
    assert.equal(Object.getOwnPropertyDescriptor(fields, '__proto__')?.value, 'x');
    assert.equal(Object.getOwnPropertyDescriptor(fields, 'constructor')?.value, 'y');
    assert.equal(Object.getPrototypeOf(fields), Object.prototype);
  });
});

describe('decodeJsonObject', () => {
  test('an object is returned with its values as they are', () => {
    assert.deepEqual(decodeJsonObject('{"CallSid":"CA1","CallDuration":42,"Tags":["a"],"N":null}'), {
      CallSid: 'CA1', CallDuration: 42, Tags: ['a'], N: null,
    });
  });

  for (const text of ['', 'not json', '{', '[]', '[{"CallSid":"CA1"}]', 'null', '42', '"text"', 'true', '{"a":1}x']) {
    test(`${JSON.stringify(text)} -> null`, () => {
      assert.equal(decodeJsonObject(text), null);
    });
  }

  test('__proto__ stays an own field and pollutes nothing', () => {
    const fields = decodeJsonObject('{"__proto__":{"polluted":"yes"}}');
    assert.ok(fields !== null);
    assert.equal(Object.hasOwn(fields, '__proto__'), true);
    assert.equal(Object.getPrototypeOf(fields), Object.prototype);
    assert.equal((fields as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('queryOf', () => {
  for (const [url, expected] of [
    ['https://h.example/status?a=1&b=2', 'a=1&b=2'],
    ['https://h.example/status?a=1#frag', 'a=1'],
    ['/status?CallSid=CA1', 'CallSid=CA1'],
    ['https://h.example/status', ''],
    ['https://h.example/status?', ''],
    ['https://h.example/status??a', '?a'],
    ['', ''],
  ] as const) {
    test(`${JSON.stringify(url)} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(queryOf(url), expected);
    });
  }
});
