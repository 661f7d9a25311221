/**
 * A method is a record: the algorithm a run follows — the network it defaults to, its loss
 * terms, what the optimiser moves, which optimiser, the schedule of scales, and what is
 * done to the result. `gatys` is Gatys et al. with jcjohnson's options (and their
 * coarse-to-fine schedules); `nnst` and `strotss` are Kolkin et al.'s. The `method` option
 * picks one, so the library, the command line, the web form and the job API all have
 * every method; a new one is a folder here and one line in index.ts.
 */
import type { LossTerm, RunShape } from '../losses/index.js';
import type { OptionSpec } from '../options/types.js';
import type { StylizeOptions } from '../options/stylize-options.js';
import type { MethodContext } from './context.js';
import type { StageResult } from '../stylize/stage.js';
import type { RunInput } from '../stylize/types.js';

/** What a method's memory estimate sees: the run's largest scale, for the real network's widths. */
export interface MethodMemoryQuery {
  options: StylizeOptions;
  /** The output at the image size. */
  width: number;
  height: number;
  /** Each style image at the style side (imageSize × styleScale). */
  styles: ReadonlyArray<{ width: number; height: number }>;
  /** A layer's channels and map size in the real network (an upper bound for narrow weight files). */
  channels(layer: string): number;
  layerSize(layer: string, width: number, height: number): { width: number; height: number };
  /** Bytes a forward-only pass through the network up to `layer` at this size holds (a features session's arena). */
  featurePass(layer: string, width: number, height: number): number;
  /** Bytes the run may use, when known (a search picks its chunk from it). */
  availableBytes?: number;
}

/**
 * A method's own memory, in its two kinds of phase: `alongside` an evaluation of its
 * objective (inputs the objective reads, matrices its graph makes beyond the network's), and
 * `apart` from any (its searches and feature passes run while no objective is held).
 */
export interface MethodMemory {
  alongside: number;
  apart: number;
}

export interface Method {
  /** The `method` option's value. */
  name: string;
  /** For people: 'Gatys et al.', 'NNST-Opt', 'STROTSS'. */
  label: string;
  /** One line: what it is (the option's help lists them). */
  help: string;
  /** Options only this method reads, merged into the one options table. */
  options: readonly OptionSpec[];
  /**
   * What it brings over the table's defaults, as a preset does: a value the caller gave
   * always wins. Its network (`model`, for the front ends that load weights by name).
   */
  defaults: { model?: string; options: Partial<StylizeOptions> };
  /**
   * Where a video run of this method starts from other values than the video defaults
   * (src/video/options.ts): its temporal weight, in its own losses' scale.
   */
  videoDefaults?: Partial<StylizeOptions>;
  /** Its loss terms, in the order their parts are reported. */
  terms(o: StylizeOptions): readonly LossTerm[];
  /**
   * Why it takes no init image (it starts from something of its own), when it takes none: the
   * pre-flight refuses a user's init image with this. A video's warped previous frame, which
   * the pipeline passes to every method, is still ignored by such a method (its temporal
   * term holds the frames together).
   */
  refusesInitImage?: string;
  /** Checks across options and the run (masks, combinations it cannot do), before any work. */
  check?(o: StylizeOptions, run: RunShape): void;
  /**
   * Throws when a run of these options cannot be checkpointed or resumed: checked by the run
   * itself, and at submit, since a queued job always is (src/jobs/validate.ts).
   */
  checkCheckpoints?(o: StylizeOptions): void;
  /** Whether its evaluations can run in tiles (a global nearest-neighbour search cannot). */
  tileable: boolean;
  /** Its stages each build their own objective (their terms and pyramid depths differ): none is built up front. */
  stageObjectives?: boolean;
  /** Its scales' longer sides for this content, coarsest first (the size checks need the smallest); absent: the options' stages. */
  scales?(o: StylizeOptions, content: { width: number; height: number }): number[];
  /**
   * Bytes it holds beyond one evaluation of its objective at the image size (which the
   * preflight counts): search chunks, distance matrices, feature maps and samples kept as
   * run inputs. Counted into the run's estimate, so a run that cannot fit is refused first.
   */
  memory?(q: MethodMemoryQuery): MethodMemory;
  /** Stylise one (colour-prepared) content image: its stages in turn, and its post-process. */
  run(ctx: MethodContext, input: RunInput, o: StylizeOptions): Promise<StageResult>;
}
