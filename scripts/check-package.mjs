#!/usr/bin/env node
// `node scripts/check-package.mjs [--keep]` after `npm run build`: packs lanspread, installs the
// tarball with `npm install -g` into a temp prefix (runtime dependencies only, as a user gets it),
// and runs the installed `lanspread`: --version, then `serve` with the built UI and the API.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';

const repo = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const keep = process.argv.includes('--keep');
const problems = [];

function say(line) {
  console.log(`check-package: ${line}`);
}

function check(ok, what) {
  if (!ok) problems.push(what);
  say(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
}

function run(command, args, opts = {}) {
  const res = spawnSync(command, args, { encoding: 'utf8', ...opts });
  if (res.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${res.status}:\n${res.stdout}\n${res.stderr}`,
    );
  }
  return res.stdout;
}

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Bare package names a compiled file imports (static, dynamic and re-exports). */
function importedPackages(text) {
  const names = new Set();
  const specifiers = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;
  for (const [, spec] of text.matchAll(specifiers)) {
    if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) continue;
    const parts = spec.split('/');
    names.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
  return names;
}

/** `lanspread serve` until its UI line; resolves to the URL and the running child. */
function startServe(bin, root) {
  const child = spawn(
    bin,
    [
      'serve',
      '--games',
      join(root, 'games'),
      '--state',
      join(root, 'state'),
      '--ui',
      '127.0.0.1:0',
      '--listen',
      '127.0.0.1:0',
      '--no-mdns',
      '--log-level',
      'warn',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((done) => child.once('exit', (code) => done(code)));
  const url = new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^lanspread UI: (http:\/\/\S+)$/.exec(line);
      if (match) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    setTimeout(() => reject(new Error(`serve printed no UI line in 20 s: ${stderr}`)), 20_000);
  });
  return { child, exited, url, stderr: () => stderr };
}

const cliMain = join(repo, pkg.bin.lanspread);
if (!existsSync(cliMain) || !existsSync(join(repo, 'dist', 'ui', 'index.html'))) {
  console.error('check-package: dist/ is not built (or has no UI): run `npm run build` first');
  process.exit(1);
}

// Compiled files whose source is gone would ship (tsc never deletes): the build must be fresh.
const stale = filesUnder(join(repo, 'dist'))
  .filter((f) => f.endsWith('.js') && !f.includes('/dist/ui/'))
  .map((f) => relative(join(repo, 'dist'), f))
  .filter((f) => !existsSync(join(repo, 'src', f.replace(/\.js$/, '.ts'))));
check(stale.length === 0, `no compiled file without its source in dist/ ${stale.join(' ')}`);

const work = await mkdtemp(join(tmpdir(), 'lanspread-package-'));
let serve;
try {
  const [packed] = JSON.parse(
    run('npm', ['pack', '--json', '--pack-destination', work], { cwd: repo }),
  );
  const paths = packed.files.map((f) => f.path);
  say(
    `packed ${packed.filename}: ${(packed.size / 1024).toFixed(0)} KiB, ${paths.length} files, ${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked`,
  );
  check(paths.includes(pkg.bin.lanspread), `the tarball has the bin ${pkg.bin.lanspread}`);
  check(paths.includes('dist/ui/index.html'), 'the tarball has the built UI (dist/ui/index.html)');
  const extra = paths.filter(
    (p) => !(p.startsWith('dist/') || ['package.json', 'README.md', 'LICENSE'].includes(p)),
  );
  check(extra.length === 0, `nothing but dist/, package.json and README.md ${extra.join(' ')}`);
  const maps = paths.filter((p) => p.endsWith('.map'));
  check(maps.length === 0, `no source maps (their sources are not shipped) ${maps.length || ''}`);

  const allowed = new Set([...Object.keys(pkg.dependencies ?? {}), ...builtinModules]);
  const strays = new Map();
  for (const path of paths.filter((p) => p.endsWith('.js') && !p.startsWith('dist/ui/'))) {
    for (const name of importedPackages(readFileSync(join(repo, path), 'utf8'))) {
      if (!allowed.has(name)) strays.set(name, path);
    }
  }
  check(
    strays.size === 0,
    `every runtime import is a dependency or a Node builtin ${[...strays].map(([n, p]) => `${n} (${p})`).join(' ')}`,
  );

  const prefix = join(work, 'prefix');
  const started = Date.now();
  run(
    'npm',
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(work, packed.filename),
    ],
    { cwd: work },
  );
  const installed = join(prefix, 'lib', 'node_modules', pkg.name);
  say(`npm install -g --prefix ${prefix} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const devInstalled = Object.keys(pkg.devDependencies ?? {}).filter((name) =>
    existsSync(join(installed, 'node_modules', name)),
  );
  check(devInstalled.length === 0, `no dev dependency installed ${devInstalled.join(' ')}`);

  const bin = join(prefix, 'bin', 'lanspread');
  const version = run(bin, ['--version'], { cwd: work }).trim();
  check(version === pkg.version, `lanspread --version prints ${version}`);

  serve = startServe(bin, work);
  const url = await serve.url;
  say(`lanspread serve: ${url}`);
  const page = await fetch(url);
  const html = await page.text();
  check(page.status === 200 && /<html/i.test(html), `GET / answers the UI page (${page.status})`);
  const asset = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
  const script = asset === undefined ? null : await fetch(new URL(asset, url));
  check(script?.status === 200, `GET ${asset} answers the UI script (${script?.status})`);
  const status = await (await fetch(new URL('api/status', url))).json();
  check(status.ok === true, `GET /api/status answers ok (peer ${String(status.result?.name)})`);
  const games = spawnSync(bin, ['games', '--state', join(work, 'state')], {
    cwd: work,
    encoding: 'utf8',
  });
  check(
    games.status === 0,
    `lanspread games answers (${games.stdout.trim() || games.stderr.trim()})`,
  );
  serve.child.kill('SIGINT');
  const code = await serve.exited;
  check(code === 0, `serve stops on SIGINT with exit code ${code}`);
  check(!existsSync(join(work, 'state', 'serve.json')), 'serve.json is removed on the way out');
} catch (err) {
  problems.push(err instanceof Error ? err.message : String(err));
  console.error(`check-package: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  if (serve !== undefined && serve.child.exitCode === null) serve.child.kill('SIGKILL');
  if (keep) say(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
say(problems.length === 0 ? 'the package installs and runs' : `${problems.length} problem(s)`);
process.exit(problems.length === 0 ? 0 : 1);
