import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

const sources = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => join(SRC, f));

/** The source files each file imports or re-exports from, `import type` included. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom '(\.[^']*)'/gms)].map(
      (m) => {
        const target = resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'));
        return target.endsWith('.ts') ? target : join(target, 'index.ts');
      },
    );
    graph.set(file, targets);
  }
  return graph;
}

/** One import cycle as a list of files, or null: a depth-first walk that meets a file on its path. */
function findCycle(graph: Map<string, string[]>): string[] | null {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): string[] | null => {
    const at = path.indexOf(file);
    if (at >= 0) return [...path.slice(at), file];
    if (done.has(file)) return null;
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next);
      if (cycle !== null) return cycle;
    }
    path.pop();
    done.add(file);
    return null;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle !== null) return cycle;
  }
  return null;
}

// eslint's import-x/no-cycle skips `import type`; a type cycle still ties two files together.
test('no import cycle among the source files, type imports included', () => {
  const graph = importGraph();
  assert.ok((graph.get(join(SRC, 'catalog', 'catalog.ts')) ?? []).length > 0, 'imports are read');
  const cycle = findCycle(graph);
  assert.equal(cycle, null, `cycle: ${(cycle ?? []).map((f) => relative(SRC, f)).join(' -> ')}`);
});

test("every folder's index.ts opens with its one-sentence doc comment", () => {
  const folders = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory());
  for (const folder of folders) {
    let first: string;
    try {
      first = readFileSync(join(SRC, folder, 'index.ts'), 'utf8').split('\n')[0]!;
    } catch {
      continue; // cli/ is a program, not a part others import
    }
    assert.match(first, /^\/\*\* [A-Z`].*\. \*\/$/, `src/${folder}/index.ts opens with: ${first}`);
  }
});

test('comments point at docs/, never at the old spec/ folder', () => {
  for (const file of sources) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      assert.doesNotMatch(line, /\bspec\//, `${relative(SRC, file)}:${i + 1}`);
    });
  }
});
