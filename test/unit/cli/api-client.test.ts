import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiClient, PeerNotRunning, findServe } from '../../../src/cli/api-client.js';

async function stateWith(serveJson: string | null): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lanspread-api-client-'));
  if (serveJson !== null) await writeFile(join(dir, 'serve.json'), serveJson);
  return dir;
}

test('no serve.json, or one that is not ours, means no running peer', async () => {
  const none = await stateWith(null);
  await assert.rejects(findServe(none), (err: unknown) => {
    assert.ok(err instanceof PeerNotRunning);
    assert.match(err.message, /no lanspread serve is running for .* \(no serve\.json\)/);
    return true;
  });
  const junk = await stateWith('{"url": 5}');
  await assert.rejects(findServe(junk), /is not the serve\.json of a lanspread serve/);
  await rm(none, { recursive: true });
  await rm(junk, { recursive: true });
});

test('a serve.json left by a stopped server is a refused connection, said as such', async () => {
  // A port that was just free: nothing listens there now.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  const dir = await stateWith(
    JSON.stringify({ url: `http://127.0.0.1:${port}/`, token: 't', pid: 1 }),
  );
  const client = await ApiClient.forState(dir);
  await assert.rejects(client.get('api/status'), (err: unknown) => {
    assert.ok(err instanceof PeerNotRunning);
    assert.match(err.message, /left from an earlier run/);
    return true;
  });
  await rm(dir, { recursive: true });
});

test('sends the token and the JSON body, and reads answers (or anything else) as answers', async () => {
  const seen: { method?: string; url?: string; auth?: string; body: string }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
      if (req.url === '/api/games') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, result: { local: [], remote: [] } }));
      } else if (req.url === '/api/commands/play') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: { code: 'unknown-game', message: 'no' } }));
      } else {
        res.writeHead(502);
        res.end('<html>bad gateway</html>');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const client = new ApiClient({ url: `http://127.0.0.1:${port}/`, token: 'secret', pid: 1 });
  assert.deepEqual(await client.get('api/games'), { ok: true, result: { local: [], remote: [] } });
  assert.deepEqual(await client.command('play', { game: 'nope' }), {
    ok: false,
    error: { code: 'unknown-game', message: 'no' },
  });
  assert.deepEqual(await client.get('api/other'), {
    ok: false,
    error: { code: 'internal', message: 'HTTP 502: not an answer of lanspread serve' },
  });
  assert.deepEqual(seen[1], {
    method: 'POST',
    url: '/api/commands/play',
    auth: 'Bearer secret',
    body: '{"game":"nope"}',
  });
  assert.equal(seen[0]?.auth, 'Bearer secret');
  await new Promise((r) => server.close(r));
});
