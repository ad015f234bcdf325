import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { messageForRemote } from '../../../src/transfer/remote-message.js';

test('a message for a remote names files inside the root, never the absolute folders', () => {
  const root = join('/home', 'alice', 'games', 'cnc4');
  assert.equal(
    messageForRemote(`${join(root, 'data', 'x.eti')} has 5 bytes, expected 6`, root),
    `${join('data', 'x.eti')} has 5 bytes, expected 6`,
  );
  assert.equal(messageForRemote(`cannot read ${root}: EACCES`, root), 'cannot read .: EACCES');
  assert.equal(
    messageForRemote('x.eti does not exist in the game root', root),
    'x.eti does not exist in the game root',
  );
  assert.equal(messageForRemote('y'.repeat(5000), root).length, 1024);
});
