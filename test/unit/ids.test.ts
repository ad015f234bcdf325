import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isGameId } from '../../src/ids.js';

test('a game id is a folder name every system can hold', () => {
  for (const id of ['cnc4', 'bf1942', 'c.n-c_4', 'console', 'nullx', 'com10', 'aux-war']) {
    assert.equal(isGameId(id), true, id);
  }
  for (const id of ['con', 'nul', 'prn', 'aux', 'com1', 'lpt9', 'nul.x', 'con.tar.gz', 'game.']) {
    assert.equal(isGameId(id), false, id);
  }
  for (const id of ['', 'Cnc4', '-x', '.x', 'a..b', 'a/b', 'a b', 'x'.repeat(65), 4]) {
    assert.equal(isGameId(id), false, String(id));
  }
});
