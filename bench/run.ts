/** Runs one benchmark by name: `node --import tsx bench/run.ts <name> [...args]`; with no name, lists them. */
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

async function benchmarks(): Promise<string[]> {
  const files = await readdir(here);
  return files
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();
}

async function main(): Promise<number> {
  const [name, ...args] = process.argv.slice(2);
  const names = await benchmarks();
  if (name === undefined || name === '--help' || name === '-h') {
    console.log('usage: node --import tsx bench/run.ts <name> [args...]\n\nbenchmarks:');
    for (const n of names) console.log(`  ${n}`);
    return 0;
  }
  // Only a listed name is imported, so the argument cannot name a file outside bench/.
  if (!names.includes(name)) {
    console.error(`unknown benchmark "${name}"; known: ${names.join(', ')}`);
    return 2;
  }
  const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as { run?: unknown };
  if (typeof mod.run !== 'function') {
    console.error(`bench/${name}.ts does not export run(args)`);
    return 2;
  }
  await (mod.run as (args: string[]) => Promise<void>)(args);
  return 0;
}

process.exitCode = await main();
