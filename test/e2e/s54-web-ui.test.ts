/** S54: two real `lanspread serve` peers, one driven through its web UI in Chromium. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page, type Request } from 'playwright-core';
import { openCatalog, writeCatalogFile } from '../../src/catalog/index.js';
import { softwareVersion } from '../../src/software-version.js';
import { writeFixtureGame } from '../support/fixture-games.js';
import { gradientPng } from '../support/png-image.js';
import { bigGame, smallGame } from '../scenarios/harness/fixtures.js';
import { CLI, ServeProcess, type ServeOptions } from './serve-process.js';

const CHROMIUM = '/usr/bin/chromium';
const UI_INDEX = fileURLToPath(new URL('../../dist/ui/index.html', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
// Big enough that a download on loopback runs for seconds, so its progress can be seen and stopped.
const BIG_MIB = 256;

describe(
  'S54 web UI: library, download with progress, play, settings, cancel, failure',
  { timeout: 120_000 },
  () => {
    let dir = '';
    let source: ServeProcess;
    let client: ServeProcess;
    /** A third peer that downloads from the client while its party board is watched. */
    let guest: ServeProcess | undefined;
    let catalogFile = '';
    let browser: Browser;
    let page: Page;
    let clientOptions: ServeOptions;
    let token = '';
    const apiRequests: Request[] = [];
    const socketUrls: string[] = [];

    const card = (game: string): Locator => page.locator(`article.game-card[data-game="${game}"]`);
    const shot = async (name: string, fullPage = false): Promise<void> => {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
    };
    /** At phone width the page must fit: nothing wider than the screen, so no sideways scroll. */
    const fitsPhone = async (): Promise<void> => {
      const overflow = await page.evaluate(() => ({
        width: document.documentElement.scrollWidth,
        screen: window.innerWidth,
        // The innermost elements past the right edge: the ones to fix.
        past: [...document.querySelectorAll('body *')]
          .filter(
            (e) =>
              e.getBoundingClientRect().right > window.innerWidth + 0.5 &&
              ![...e.children].some((c) => c.getBoundingClientRect().right > window.innerWidth),
          )
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className}: ${e.textContent?.slice(0, 30)}`),
      }));
      assert.ok(
        overflow.width <= overflow.screen,
        `page ${overflow.width} px wide at ${overflow.screen} px: ${overflow.past.join(' | ')}`,
      );
    };
    /** Resolves once the card's progress bar shows bytes received. */
    const progressShown = (game: string): Promise<unknown> =>
      page.waitForFunction(
        (id) => {
          const bar = document.querySelector<HTMLProgressElement>(
            `article.game-card[data-game="${id}"] progress`,
          );
          return bar !== null && bar.hasAttribute('value') && bar.value > 0;
        },
        game,
        { polling: 'raf', timeout: 30_000 },
      );

    before(async () => {
      // The test must fail, never skip, where it cannot run.
      assert.ok(
        existsSync(CHROMIUM),
        `S54 needs Chromium at ${CHROMIUM} (apt-get install chromium); it is absent`,
      );
      assert.ok(
        existsSync(CLI) && existsSync(UI_INDEX),
        'S54 runs dist/: run `npm run build` first',
      );
      await mkdir(SCREENSHOTS, { recursive: true });
      dir = await mkdtemp(join(tmpdir(), 'lanspread-s54-'));
      const sourceGames = join(dir, 'source-games');
      for (const spec of [
        bigGame('bfbc2', BIG_MIB),
        bigGame('cnc4', BIG_MIB),
        smallGame('ggoo'),
        smallGame('wc3'),
      ]) {
        await writeFixtureGame(sourceGames, spec);
      }
      await writeFixtureGame(join(dir, 'client-games'), smallGame('alienswarm'));
      // The demo catalog, with cover art for one game: the others show their placeholder.
      catalogFile = join(dir, 'catalog.db');
      const cover = {
        type: 'image/png' as const,
        bytes: gradientPng(60, 90, [40, 90, 200], [10, 10, 40]),
      };
      await writeCatalogFile(
        catalogFile,
        (await openCatalog()).all().map((g) => (g.id === 'bfbc2' ? { ...g, cover } : g)),
      );
      const chunks = ['--chunk-size', String(1024 * 1024), '--catalog', catalogFile];
      clientOptions = {
        name: 'bravo',
        // On every address: the phone link in Settings has a LAN address to show (the API then needs the token).
        ui: '0.0.0.0:0',
        games: join(dir, 'client-games'),
        state: join(dir, 'client-state'),
        stderrFile: join(dir, 'client.log'),
        extraArgs: chunks,
      };
      [source, client] = await Promise.all([
        ServeProcess.start({
          name: 'alpha',
          games: sourceGames,
          state: join(dir, 'source-state'),
          stderrFile: join(dir, 'source.log'),
          extraArgs: chunks,
        }),
        ServeProcess.start(clientOptions),
      ]);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      ({ token } = JSON.parse(await readFile(join(dir, 'client-state', 'serve.json'), 'utf8')) as {
        token: string;
      });
      page.on('websocket', (socket) => {
        socketUrls.push(socket.url());
      });
      page.on('request', (request) => {
        if (new URL(request.url()).pathname.startsWith('/api/')) apiRequests.push(request);
      });
      await page.goto(`${client.url}?token=${token}#/peers`);
    });

    after(async () => {
      await browser?.close();
      await Promise.all([source?.stop(), client?.stop(), guest?.stop()]);
      if (dir !== '') await rm(dir, { recursive: true, force: true });
    });

    it('keeps the token of the first URL out of the address bar and sends it on every API call', async () => {
      await page.getByLabel('Connect to address').waitFor();
      assert.equal(new URL(page.url()).searchParams.has('token'), false);
      assert.equal(await page.evaluate(() => sessionStorage.getItem('lanspread-token')), token);
      assert.ok(apiRequests.length >= 5, `${apiRequests.length} API calls`);
      for (const request of apiRequests) {
        // An <img> cannot send the header: cover art carries the token in its query.
        if (new URL(request.url()).pathname.endsWith('/cover'))
          assert.equal(new URL(request.url()).searchParams.get('token'), token);
        else
          assert.equal(
            await request.headerValue('authorization'),
            `Bearer ${token}`,
            request.url(),
          );
      }
      assert.ok(socketUrls.length > 0, 'the event WebSocket was opened');
      for (const url of socketUrls) assert.equal(new URL(url).searchParams.get('token'), token);
    });

    it('connects to the other peer from the Peers page', async () => {
      const { addr } = await source.api<{ addr: string }>('status');
      await page.getByLabel('Connect to address').fill(addr);
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.getByText(`Connected to ${addr}.`).waitFor();
      await page.locator('tr[data-peer="alpha"]').waitFor();
      assert.equal(await page.locator('tr[data-peer="alpha"] td').nth(2).textContent(), '4');
      await shot('peers');
    });

    it('lists every catalog game with its source count and one main action', async () => {
      await page.getByRole('link', { name: 'Library' }).click();
      await card('bfbc2').locator('.game-state', { hasText: 'on 1 peer' }).waitFor();
      assert.equal(await card('ggoo').locator('.game-state').textContent(), 'on 1 peer');
      assert.equal(await card('alienswarm').locator('.game-state').textContent(), 'downloaded');
      assert.equal(await card('aoe2').locator('.game-state').textContent(), 'no source on the LAN');
      assert.equal(
        await card('bfbc2').getByRole('button', { name: 'Download & install' }).count(),
        1,
      );
      assert.equal(await card('alienswarm').getByRole('button', { name: 'Install' }).count(), 1);
      assert.match((await card('bfbc2').textContent()) ?? '', /256 MiB/);
      await page.getByRole('button', { name: 'On the LAN' }).click();
      assert.equal(await page.locator('article.game-card').count(), 4);
      await page.getByRole('button', { name: 'All', exact: true }).click();
      // Cover art from the catalog, loaded; without it, the game's initials.
      await page.waitForFunction(
        () =>
          (document.querySelector<HTMLImageElement>('[data-game="bfbc2"] img.game-cover')
            ?.naturalWidth ?? 0) === 60,
      );
      assert.equal(await card('aoe2').locator('.cover-initials').textContent(), 'AE');
      assert.match((await card('bfbc2').textContent()) ?? '', /Shooter · up to 32 players · 2010/);
      await page.getByLabel('Genre').selectOption('Shooter');
      await page.getByLabel('Players').selectOption('32');
      assert.deepEqual(
        await page
          .locator('article.game-card')
          .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-game'))),
        ['bf1942', 'bfbc2', 'cod5', 'css', 'ut2004'],
      );
      await page.getByLabel('Genre').selectOption('');
      await page.getByLabel('Players').selectOption('');
      await shot('library');
      await page.setViewportSize({ width: 390, height: 844 });
      await fitsPhone();
      await shot('library-phone');
      await page.setViewportSize({ width: 1280, height: 720 });
    });

    it('shows the details of a game: peers with their version, and closes on Escape', async () => {
      await card('bfbc2')
        .getByRole('button', { name: /Details/ })
        .click();
      const dialog = page.getByRole('dialog', { name: /Battlefield: Bad Company 2/ });
      await dialog.getByText(/alpha.*version 20250101/).waitFor();
      await shot('details');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    });

    it('downloads and installs with live progress, then plays', async () => {
      await card('bfbc2').getByRole('button', { name: 'Download & install' }).click();
      await progressShown('bfbc2');
      const facts = card('bfbc2').locator('.operation-facts');
      await facts.waitFor();
      assert.match((await facts.textContent()) ?? '', /of 256 MiB.*MiB\/s.*left.*1 source/);
      assert.match(
        (await card('bfbc2').locator('.game-state').textContent()) ?? '',
        /^downloading \d+ %$/,
      );
      await shot('download');
      await card('bfbc2')
        .locator('.game-state', { hasText: /^installed$/ })
        .waitFor({ timeout: 60_000 });
      // bfbc2 ships no launch script: stamped, and the card says plainly that nothing started.
      await card('bfbc2').getByRole('button', { name: 'Play' }).click();
      await card('bfbc2')
        .getByRole('alert')
        .filter({ hasText: /ships no launcher for this system/ })
        .waitFor();
      await shot('play-no-launcher');
    });

    it('stream-installs from the details, and uninstalls only once the dialog is confirmed', async () => {
      await card('ggoo')
        .getByRole('button', { name: /Details/ })
        .click();
      const dialog = page.getByRole('dialog', { name: /Goo-Goo Galaxy/ });
      await dialog.getByRole('button', { name: 'Stream install' }).click();
      await dialog.locator('.game-state', { hasText: /^installed$/ }).waitFor();
      await dialog.getByRole('button', { name: 'Uninstall' }).click();
      const confirm = page.getByRole('dialog', { name: 'Uninstall Goo-Goo Galaxy?' });
      await confirm.waitFor();
      await page.keyboard.press('Escape');
      await confirm.waitFor({ state: 'detached' });
      assert.equal(await dialog.locator('.game-state').textContent(), 'installed');
      await dialog.getByRole('button', { name: 'Uninstall' }).click();
      await confirm.getByRole('button', { name: 'Uninstall' }).click();
      await dialog.locator('.game-state', { hasText: /^on 1 peer$/ }).waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    });

    it('keeps a settings change across a reload, and shows a refused games folder beside the field', async () => {
      // A file where a folder should be: the server refuses it and says why.
      const badGamesDir = join(dir, 'source.log', 'games');
      await page.getByRole('link', { name: 'Settings' }).click();
      const encrypt = page.getByRole('checkbox', { name: 'Encrypt game transfers' });
      assert.equal(await encrypt.isChecked(), false);
      await page.getByLabel('Player name').fill('Zed Tester');
      await encrypt.check();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Saved.').waitFor();
      const saved = await client.api<{ encrypt_transfers: boolean }>('settings');
      assert.equal(saved.encrypt_transfers, true);
      await page.getByLabel('Games folder').fill(badGamesDir);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator('#games_dir-help.failure').waitFor();
      await shot('settings');
      await page.reload();
      await page.getByLabel('Player name').waitFor();
      await page.waitForFunction(
        () =>
          document.querySelector<HTMLInputElement>('input[name=username]')?.value === 'Zed Tester',
      );
      assert.notEqual(await page.getByLabel('Games folder').inputValue(), badGamesDir);
      assert.equal(await encrypt.isChecked(), true);
      // Back to plain: the downloads after this test are plain data connections again.
      await encrypt.uncheck();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Saved.').waitFor();
      await page.getByRole('link', { name: 'Library' }).click();
    });

    it('sets a bandwidth cap and playing mode in Settings, applied and saved by the peer', async () => {
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByLabel('Upload limit (MiB/s)').fill('8');
      await page.getByRole('button', { name: 'Apply limits' }).click();
      await page.getByText('Limits applied.').waitFor();
      await page.getByRole('switch', { name: "I'm playing" }).check();
      await page.getByText(/Uploads now: at most 2 MiB\/s/).waitFor();
      assert.equal(await page.getByRole('switch', { name: "I'm playing" }).isChecked(), true);
      await page.getByRole('switch', { name: "I'm playing" }).focus();
      const { limits } = await client.api<{ limits: Record<string, unknown> }>('status');
      assert.equal(limits.upload_mib_s, 8);
      assert.equal(limits.playing_by_hand, true);
      assert.equal(limits.effective_upload_mib_s, 2);
      await shot('settings-limits');
      // Back to no cap: the downloads after this test run at full speed.
      await page.getByLabel('Upload limit (MiB/s)').fill('');
      await page.getByRole('button', { name: 'Apply limits' }).click();
      await page.getByText('Limits applied.').waitFor();
      await page.getByRole('switch', { name: "I'm playing" }).uncheck();
      await page.getByText(/Playing mode \(off\)/).waitFor();
      const lifted = await client.api<{ limits: Record<string, unknown> }>('status');
      assert.equal(lifted.limits.effective_upload_mib_s, null);
      await page.getByRole('link', { name: 'Library' }).click();
    });

    it('queues downloads beyond the slots and reorders the queue with ↓ and ↑', async () => {
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByLabel('Downloads at once').fill('1');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Saved.').waitFor();
      // Slow enough that the first download holds the one slot while the queue is reordered.
      await page.getByLabel('Download limit (MiB/s)').fill('16');
      await page.getByRole('button', { name: 'Apply limits' }).click();
      await page.getByText('Limits applied.').waitFor();
      const capped = await client.api<{ limits: { download_mib_s: number | null } }>('status');
      assert.equal(capped.limits.download_mib_s, 16);
      await page.getByRole('link', { name: 'Library' }).click();
      await card('cnc4').getByRole('button', { name: 'Download & install' }).click();
      await progressShown('cnc4');
      await card('ggoo').getByRole('button', { name: 'Download & install' }).click();
      await card('ggoo').locator('.game-state', { hasText: 'queued (#2)' }).waitFor();
      await card('wc3').getByRole('button', { name: 'Download & install' }).click();
      await card('wc3').locator('.game-state', { hasText: 'queued (#3)' }).waitFor();
      await card('ggoo')
        .getByRole('button', { name: 'Move down in the queue: Goo-Goo Galaxy' })
        .click();
      await card('ggoo').locator('.game-state', { hasText: 'queued (#3)' }).waitFor();
      await card('wc3').locator('.game-state', { hasText: 'queued (#2)' }).waitFor();
      const queueNow = async () =>
        (await client.api<{ queue: { game: string; state: string }[] }>('status')).queue.map(
          (row) => `${row.game} ${row.state}`,
        );
      assert.deepEqual(await queueNow(), ['cnc4 running', 'wc3 queued', 'ggoo queued']);
      await shot('queue');
      await card('ggoo')
        .getByRole('button', { name: 'Move up in the queue: Goo-Goo Galaxy' })
        .click();
      await card('ggoo').locator('.game-state', { hasText: 'queued (#2)' }).waitFor();
      assert.deepEqual(await queueNow(), ['cnc4 running', 'ggoo queued', 'wc3 queued']);
      // The waiting ones first: once cnc4 ends, the next in the queue would start.
      for (const [game, name] of [
        ['wc3', 'Warcraft III: The Frozen Throne'],
        ['ggoo', 'Goo-Goo Galaxy'],
      ] as const) {
        await card(game)
          .getByRole('button', { name: `Remove from the queue: ${name}` })
          .click();
        await card(game).getByRole('button', { name: 'Download & install' }).waitFor();
      }
      await card('cnc4').getByRole('button', { name: 'Cancel' }).click();
      await card('cnc4').getByRole('button', { name: 'Download & install' }).waitFor();
      assert.deepEqual(await queueNow(), []);
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByLabel('Download limit (MiB/s)').fill('');
      await page.getByRole('button', { name: 'Apply limits' }).click();
      await page.getByText('Limits applied.').waitFor();
      await page.getByLabel('Downloads at once').fill('2');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Saved.').waitFor();
    });

    it('shows on the party board a second peer downloading from this one, the sources and the last copies', async () => {
      guest = await ServeProcess.start({
        name: 'charlie',
        games: join(dir, 'guest-games'),
        state: join(dir, 'guest-state'),
        stderrFile: join(dir, 'guest.log'),
        // 32 MiB chunks (the default), so the download is announced; capped, so it lasts.
        extraArgs: ['--catalog', catalogFile, '--max-download', '12'],
      });
      const { addr } = await client.api<{ addr: string }>('status');
      await guest.api('commands/connect', { method: 'POST', body: { addr } });
      const download = guest
        .api('commands/download', { method: 'POST', body: { game: 'bfbc2', install: false } })
        .then(
          () => 'finished',
          (err: unknown) => String(err),
        );
      await page.getByRole('link', { name: 'Party' }).click();
      await page.getByRole('heading', { name: 'Party board' }).waitFor();
      const row = page.locator('.lan-downloads li[data-who="charlie"][data-game="bfbc2"]');
      await row.waitFor({ timeout: 30_000 });
      await page.waitForFunction(
        () =>
          (document.querySelector<HTMLProgressElement>(
            '.lan-downloads li[data-who="charlie"] progress',
          )?.value ?? 0) > 0,
        null,
        { timeout: 30_000 },
      );
      assert.match(
        (await row.textContent()) ?? '',
        /^Battlefield: Bad Company 2charlie\d+ % · \d+ of \d+ chunks$/,
      );
      // What this peer serves shows in the graph: its upload line moves.
      await page.waitForFunction(
        () =>
          /Up: [1-9]/.test(
            document.querySelector('.throughput svg')?.getAttribute('aria-label') ?? '',
          ),
        null,
        { timeout: 20_000 },
      );
      assert.ok((await page.locator('.throughput polyline.series-up').count()) === 1);
      assert.match(
        (await page.locator('.top-sources li[data-peer="alpha"]').textContent()) ?? '',
        /^alpha sent you \d+(\.\d+)? MiB/,
      );
      await page.locator('.served', { hasText: /You served: charlie \d/ }).waitFor();
      await page
        .locator('.last-copies li[data-game="cnc4"]', { hasText: 'last copy: ask alpha to stay' })
        .waitFor();
      await page
        .locator('.last-copies li[data-game="alienswarm"]', { hasText: 'only you have it' })
        .waitFor();
      assert.equal(await page.locator('.last-copies li[data-game="bfbc2"]').count(), 0);
      for (const name of ['alpha', 'charlie']) {
        const row = page.locator(`.reach-list li[data-peer="${name}"]`, { hasText: 'connected' });
        await row.waitFor();
        // Its release, from its hello: the same build as ours, so nothing marked.
        assert.equal(
          await row.locator('.peer-version').textContent(),
          `lanspread ${softwareVersion()}`,
        );
      }
      await shot('party-board', true);
      await page.setViewportSize({ width: 390, height: 844 });
      await fitsPhone();
      await shot('party-board-phone', true);
      await page.setViewportSize({ width: 1280, height: 720 });
      await guest.api('commands/cancel-download', { method: 'POST', body: { game: 'bfbc2' } });
      assert.match(await download, /cancelled/);
      await page.locator('.lan-downloads li[data-who="charlie"]').waitFor({ state: 'detached' });
      await page.getByText('Nobody is downloading right now.').waitFor();
      await guest.stop();
      guest = undefined;
    });

    it('shows a QR code of this page with its token for a phone, and fits a phone screen', async () => {
      await page.getByRole('link', { name: 'Settings' }).click();
      const link = page.locator('a[data-phone-url]');
      await link.waitFor();
      const href = new URL((await link.getAttribute('href')) ?? '');
      assert.equal(href.searchParams.get('token'), token);
      assert.equal(href.port, new URL(client.url).port);
      assert.notEqual(href.hostname, '127.0.0.1');
      await page.getByRole('img', { name: /QR code of this page at http:/ }).waitFor();
      await page.setViewportSize({ width: 390, height: 844 });
      await fitsPhone();
      await page.getByRole('heading', { name: 'Open on a phone' }).scrollIntoViewIfNeeded();
      await shot('settings-phone');
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.getByRole('link', { name: 'Library' }).click();
    });

    it('returns a cancelled download to its prior state', async () => {
      await page.getByRole('link', { name: 'Library' }).click();
      await card('cnc4').getByRole('button', { name: 'Download & install' }).click();
      await progressShown('cnc4');
      // Frozen, the source cannot finish the download before the click lands.
      source.signal('SIGSTOP');
      try {
        await card('cnc4').getByRole('button', { name: 'Cancel' }).click();
        await card('cnc4')
          .getByRole('button', { name: 'Download & install' })
          .waitFor({ timeout: 15_000 });
      } finally {
        source.signal('SIGCONT');
      }
      assert.equal(await card('cnc4').locator('.game-state').textContent(), 'on 1 peer');
      assert.equal(await card('cnc4').locator('.failure').count(), 0);
    });

    it('tells in words that a download failed when its source dies', async () => {
      await page.getByRole('link', { name: 'Library' }).click();
      await card('cnc4').getByRole('button', { name: 'Download & install' }).click();
      await progressShown('cnc4');
      source.signal('SIGSTOP');
      source.signal('SIGKILL');
      const failure = card('cnc4').locator('.failure');
      await failure.waitFor({ timeout: 30_000 });
      assert.match(
        (await failure.textContent()) ?? '',
        /left or failed before the download finished|could not be completed/,
      );
      await card('cnc4')
        .locator('.game-state', { hasText: 'no source on the LAN' })
        .waitFor({ timeout: 30_000 });
      await shot('failure');
    });

    it('reconnects by itself when its peer restarts, and shows the fresh lists without a reload', async () => {
      const port = new URL(client.url).port;
      await client.stop();
      await page.getByText(/Not connected to the peer/).waitFor();
      // Written while the peer is down, so only a refetch after the reconnect can show it.
      await writeFixtureGame(clientOptions.games, smallGame('ggoo'));
      client = await ServeProcess.start({ ...clientOptions, ui: `0.0.0.0:${port}` });
      await page
        .getByText(/Not connected to the peer/)
        .waitFor({ state: 'detached', timeout: 20_000 });
      await card('ggoo')
        .locator('.game-state', { hasText: /^downloaded$/ })
        .waitFor();
      assert.equal(await card('bfbc2').locator('.game-state').textContent(), 'installed');
      assert.equal(
        await card('cnc4').locator('.failure').count(),
        1,
        'a failure stays until the next try',
      );
    });
  },
);
