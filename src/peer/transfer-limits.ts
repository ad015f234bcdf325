/** The peer's bandwidth caps and playing mode, applied to the two caps every transfer passes. */
import { BandwidthCap } from '../transfer/index.js';
import type { LimitsView } from './contract.js';

/** Uploads while a game runs: enough to keep a download crawling, little enough not to lag a match. */
export const PLAYING_UPLOAD_MIB_S = 2;
/**
 * The lowest cap: a served frame must leave the sender's queue within its 30 s stall timeout,
 * and the receiver must hear from a source within its own.
 */
export const MIN_CAP_MIB_S = 0.1;
/** The highest cap (about 100 GiB/s): anything above is "off" in all but name. */
export const MAX_CAP_MIB_S = 100_000;

const MIB = 1024 * 1024;

/** The caps set, in MiB/s; null: off. */
export interface Caps {
  upload_mib_s: number | null;
  download_mib_s: number | null;
}

export class TransferLimits {
  readonly upload = new BandwidthCap();
  readonly download = new BandwidthCap();
  #caps: Caps;
  #byHand = false;

  /** `playingGames`: the games started here that run now (playing mode is on while any does). */
  constructor(
    caps: Caps,
    private readonly playingGames: () => string[],
  ) {
    this.#caps = caps;
    this.refresh();
  }

  /** Sets caps (persisted by the caller) and the hand toggle; what is left out stays. */
  set(patch: Partial<Caps> & { playing?: boolean }): LimitsView {
    this.#caps = {
      upload_mib_s: patch.upload_mib_s === undefined ? this.#caps.upload_mib_s : patch.upload_mib_s,
      download_mib_s:
        patch.download_mib_s === undefined ? this.#caps.download_mib_s : patch.download_mib_s,
    };
    if (patch.playing !== undefined) this.#byHand = patch.playing;
    this.refresh();
    return this.view();
  }

  /** Applies the caps anew: after a change, and when a game starts or ends. */
  refresh(): void {
    const { effective_upload_mib_s: up } = this.view();
    const down = this.#caps.download_mib_s;
    this.upload.setRate(up === null ? null : up * MIB);
    this.download.setRate(down === null ? null : down * MIB);
  }

  view(): LimitsView {
    const games = this.playingGames();
    const playing = this.#byHand || games.length > 0;
    const set = this.#caps.upload_mib_s;
    return {
      upload_mib_s: set,
      download_mib_s: this.#caps.download_mib_s,
      playing,
      playing_by_hand: this.#byHand,
      playing_games: games,
      playing_upload_mib_s: PLAYING_UPLOAD_MIB_S,
      effective_upload_mib_s: !playing
        ? set
        : set === null
          ? PLAYING_UPLOAD_MIB_S
          : Math.min(set, PLAYING_UPLOAD_MIB_S),
    };
  }
}
