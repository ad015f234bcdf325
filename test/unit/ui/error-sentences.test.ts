import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorSentence } from '../../../ui/src/error-sentences.js';

describe('errorSentence', () => {
  it("puts the space check's details into the sentence, in the units of the page", () => {
    assert.equal(
      errorSentence('insufficient-space', 'needs 30.0 GiB, 12.0 GiB free on /games', {
        needed_bytes: 30 * 1024 ** 3,
        free_bytes: 12 * 1024 ** 3,
      }),
      'Not enough disk: 12.0 GiB free, 30.0 GiB needed. Free some space or use Stream install.',
    );
  });

  it('still says what to do when the error carries no details', () => {
    assert.equal(
      errorSentence('insufficient-space', 'the disk filled up while installing: ENOSPC'),
      'Not enough disk: the games folder is full. Free some space or use Stream install.',
    );
  });

  it('maps a known code to its sentence and keeps the message of an unknown one', () => {
    assert.match(
      errorSentence('no-sources-left', 'x'),
      /left or failed before the download finished/,
    );
    assert.equal(errorSentence('something-new', 'it broke'), 'Failed: it broke');
    assert.equal(errorSentence('serve-busy', 'busy now'), 'Failed: busy now');
    assert.equal(errorSentence('toString', 'odd'), 'Failed: odd');
  });
});
