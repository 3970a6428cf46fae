/**
 * Every coded error is documented in the README with its HTTP status.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../../src/domain/errors.js';

describe('error codes', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

  for (const [code, { status }] of Object.entries(ERROR_CODES)) {
    it(`${code} is in the README's error table with status ${status}`, () => {
      assert.match(readme, new RegExp(`^\\| \`${code}\` \\| ${status} \\|`, 'm'));
    });
  }
});
