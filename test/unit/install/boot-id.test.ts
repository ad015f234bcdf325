import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { uptime } from 'node:os';
import { afterEach, test } from 'node:test';
import { systemBootId } from '../../../src/install/index.js';

const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
afterEach(() => {
  Object.defineProperty(process, 'platform', platform);
});

test("on Linux a boot is the kernel's boot id", async () => {
  Object.defineProperty(process, 'platform', { value: 'linux' });
  const id = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  assert.equal(await systemBootId(), id);
});

test('elsewhere a boot is its time (now less the uptime) to 2 s', async () => {
  Object.defineProperty(process, 'platform', { value: 'win32' });
  const first = await systemBootId();
  const match = /^booted-at-(\d+)$/.exec(first ?? '');
  assert.ok(match, `${first} names the boot's time`);
  const at = Number(match[1]);
  assert.equal(at % 2, 0);
  assert.ok(Math.abs(Date.now() / 1000 - uptime() - at) <= 1, 'the boot time, rounded to 2 s');
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 5));
    const again = await systemBootId();
    // A reading right on a rounding edge may fall either side: never more than 2 s apart.
    assert.ok(
      Math.abs(Number(again?.slice('booted-at-'.length)) - at) <= 2,
      `${again} vs ${first}`,
    );
  }
});
