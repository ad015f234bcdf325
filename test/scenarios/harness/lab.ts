/** A scenario's lab: a temp folder, the peers it starts, and a teardown that runs even on failure. */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { writeFixtureGame, type FixtureGameSpec } from '../../support/fixture-games.js';
import { CLI, PeerProcess } from './peer-process.js';

export class Lab {
  readonly root: string;
  readonly #peers: PeerProcess[] = [];

  private constructor(root: string) {
    this.root = root;
  }

  static async create(name: string): Promise<Lab> {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    return new Lab(await mkdtemp(join(tmpdir(), `lanspread-${name}-`)));
  }

  gamesDir(peer: string): string {
    return join(this.root, peer, 'games');
  }

  stateDir(peer: string): string {
    return join(this.root, peer, 'state');
  }

  /**
   * Resolves once `peer`'s flush after its download of `game` ended: its record in
   * `STATE/flushes/` goes last, after the resume journal. A download answers before that.
   */
  async flushed(peer: string, game: string, timeoutMs = 30_000): Promise<void> {
    const record = join(this.stateDir(peer), 'flushes', `${game}.json`);
    for (const deadline = Date.now() + timeoutMs; existsSync(record);) {
      if (Date.now() > deadline) throw new Error(`${peer}: ${game}'s flush still runs`);
      await sleep(50);
    }
  }

  /** Writes fixture games into a peer's games folder before it starts. */
  async games(peer: string, specs: readonly FixtureGameSpec[]): Promise<string> {
    const dir = this.gamesDir(peer);
    await mkdir(dir, { recursive: true });
    for (const spec of specs) await writeFixtureGame(dir, spec);
    return dir;
  }

  async start(
    name: string,
    opts: { catalog?: string; extraArgs?: string[]; netns?: string } = {},
  ): Promise<PeerProcess> {
    const peer = await PeerProcess.start({
      name,
      games: this.gamesDir(name),
      state: this.stateDir(name),
      stderrFile: join(this.root, `${name}.stderr.log`),
      ...opts,
    });
    this.#peers.push(peer);
    return peer;
  }

  async teardown(keep: boolean): Promise<void> {
    for (const peer of this.#peers) peer.kill('SIGKILL');
    await Promise.all(this.#peers.map((p) => p.exited));
    if (!keep) await rm(this.root, { recursive: true, force: true });
  }
}

/**
 * Registers one scenario as a node:test test and prints `PASS Sn title — evidence` or `FAIL …`.
 * The lab folder is kept on failure, and its path printed, so the peers' logs can be read.
 */
export function scenario(id: string, title: string, body: (lab: Lab) => Promise<string>): void {
  test(`${id} ${title}`, { timeout: 180_000 }, async () => {
    const lab = await Lab.create(id);
    let failed = true;
    try {
      const evidence = await body(lab);
      failed = false;
      console.log(`PASS ${id} ${title} — ${evidence}`);
    } catch (err) {
      console.log(
        `FAIL ${id} ${title} — ${err instanceof Error ? err.message : String(err)} (lab kept: ${lab.root})`,
      );
      throw err;
    } finally {
      await lab.teardown(failed);
    }
  });
}
