import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePeerCommand } from '../../../src/peer/index.js';

test('accepts the documented commands with their defaults', () => {
  const download = parsePeerCommand({ id: 1, cmd: 'download', game: 'cnctw' });
  assert.deepEqual(download, {
    ok: true,
    command: { cmd: 'download', game: 'cnctw', install: true },
  });
  const wait = parsePeerCommand({ cmd: 'wait-peers', count: 2 });
  assert.deepEqual(wait, {
    ok: true,
    command: { cmd: 'wait-peers', count: 2, timeout_ms: 30_000 },
  });
});

test('names an unknown command and lists the known ones', () => {
  const parsed = parsePeerCommand({ cmd: 'fly' });
  assert.equal(parsed.ok, false);
  assert.match(parsed.ok ? '' : parsed.message, /unknown command "fly".*status/);
});

test('says which argument is wrong', () => {
  const parsed = parsePeerCommand({ cmd: 'connect', addr: 5 });
  assert.match(parsed.ok ? '' : parsed.message, /bad arguments for connect: addr/);
});
