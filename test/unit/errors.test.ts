import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERRORS, LanspreadError, type ErrorCode } from '../../src/errors.js';

const readDoc = (name: string): string =>
  readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');
const codes = Object.keys(ERRORS) as ErrorCode[];

test('docs/errors.md lists exactly the codes of the registry, with their status and meaning', () => {
  const rows = [...readDoc('errors.md').matchAll(/^\| `([a-z-]+)` \| (\d+) \| (.*) \|$/gm)];
  const documented: Record<string, { status: number; meaning: string }> = {};
  for (const [, code = '', status, meaning = ''] of rows)
    documented[code] = { status: Number(status), meaning };
  assert.equal(rows.length, codes.length, 'one row a code');
  assert.deepEqual(documented, ERRORS);
});

test("docs/api.md's status table gives every code the registry's status", () => {
  const rows = [...readDoc('api.md').matchAll(/^\| `(\d{3})` \| (.*) \|$/gm)];
  const named = new Map<string, number>();
  for (const [, status, cell] of rows) {
    if (status === '422') continue; // "every other code", with examples
    for (const [, code] of (cell ?? '').matchAll(/`([a-z-]+)`/g)) named.set(code!, Number(status));
  }
  const expected = codes.filter((code) => ERRORS[code].status !== 422);
  assert.deepEqual([...named.keys()].sort(), expected.sort());
  for (const code of expected) assert.equal(named.get(code), ERRORS[code].status, code);
  const other = rows.find(([, status]) => status === '422')?.[2] ?? '';
  for (const [, code] of other.matchAll(/`([a-z-]+)`/g))
    assert.equal(ERRORS[code as ErrorCode].status, 422, `${code} is named under 422`);
});

test('an error carries its details onto the wire, and none when it has none', () => {
  const details = { needed_bytes: 30, free_bytes: 12 };
  const full = new LanspreadError('insufficient-space', 'needs 30 B, 12 B free', { details });
  assert.deepEqual(JSON.parse(JSON.stringify(full.toWire())), {
    code: 'insufficient-space',
    message: 'needs 30 B, 12 B free',
    details,
  });
  assert.deepEqual(Object.keys(new LanspreadError('timeout', 'slow').toWire()), [
    'code',
    'message',
  ]);
});
