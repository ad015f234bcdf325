import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorSentence } from '../../../ui/src/error-sentences.js';
import { formatBytes, formatDuration } from '../../../ui/src/human-units.js';

describe('errorSentence', () => {
  it('puts the numbers of an insufficient-space message into the sentence, in the units of the page', () => {
    assert.equal(
      errorSentence('insufficient-space', 'needs 30.0 GiB, 12.0 GiB free on /games'),
      'Not enough disk: 12.0 GB free, 30.0 GB needed. Free some space or use Stream install.',
    );
  });

  it('still says what to do when the message carries no numbers', () => {
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
  });
});

describe('human units', () => {
  it('formats bytes in powers of 1024 and durations in hours, minutes and seconds', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.50 KB');
    assert.equal(formatBytes(256 * 1024 * 1024), '256 MB');
    assert.equal(formatDuration(42), '42 s');
    assert.equal(formatDuration(125), '2 min 5 s');
    assert.equal(formatDuration(3725), '1 h 2 min');
    assert.equal(formatDuration(Number.NaN), '—');
  });
});
