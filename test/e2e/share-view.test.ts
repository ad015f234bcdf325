/** The Share view in Chromium: the share address with its QR code, and the files guests get. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ServeProcess } from './serve-process.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

test('the Share view shows the share address, its QR code and each file with its SHA-256', async () => {
  assert.ok(existsSync(CHROMIUM), `needs Chromium at ${CHROMIUM} (apt-get install chromium)`);
  const dir = await mkdtemp(join(tmpdir(), 'lanspread-share-view-'));
  const release = join(dir, 'release');
  await mkdir(release);
  const exe = Buffer.alloc(3 * 1024 * 1024, 7);
  await writeFile(join(release, 'lanspread-win-x64.exe'), exe);
  await writeFile(join(release, 'lanspread-linux-x64'), 'elf');
  await mkdir(join(dir, 'games'));
  const serve = await ServeProcess.start({
    name: 'organiser',
    games: join(dir, 'games'),
    state: join(dir, 'state'),
    stderrFile: join(dir, 'serve.log'),
    extraArgs: ['--release-dir', release],
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const share = await serve.api<{ urls: string[] }>('share');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(serve.url);
    await page.getByRole('link', { name: 'Share', exact: true }).click();
    const url = share.urls[0] ?? '';
    await page.getByRole('link', { name: url }).waitFor();
    const qr = page.getByRole('img', { name: `QR code of ${url}` });
    assert.equal(await qr.count(), 1);
    assert.ok(
      ((await qr.locator('path').getAttribute('d')) ?? '').length > 1000,
      'QR modules drawn',
    );
    const sha = createHash('sha256').update(exe).digest('hex');
    await page.getByRole('cell', { name: sha }).waitFor();
    assert.equal(await page.locator('table.share-files tbody tr').count(), 2);
    await page.getByText('If other players cannot reach this computer').waitFor();
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'share.png'), fullPage: true });
  } finally {
    await browser.close();
    await serve.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
