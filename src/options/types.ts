/**
 * One record per option: its type and limits, default, help, where it shows, and whether
 * it shapes the objective (then a checkpoint's fingerprint holds it). The CLI's flags and
 * help, the README table, the web form's fields and limits, validation and the
 * fingerprint are all read from these records; nobody lists an option twice.
 */

/** The value types an option can have, with their limits (see kinds.ts for each one's rules). */
export type OptionKind =
  | { type: 'int'; min: number; max?: number }
  | { type: 'number'; min: number; max?: number; exclusiveMin?: boolean }
  | { type: 'boolean' }
  | { type: 'choice'; choices: readonly string[] }
  /** Comma-separated network layer names, no duplicates. */
  | { type: 'layers' }
  /** A whole number ≥ min, or one of a few words (`auto`, `off`). */
  | { type: 'intOr'; min: number; words: readonly string[] }
  /** Comma-separated whole numbers ≥ min. */
  | { type: 'ints'; min: number }
  /** Comma-separated numbers ≥ 0, at least one above 0. */
  | { type: 'weights' }
  /** A non-empty string (a path, a name). */
  | { type: 'text'; what: string }
  /** Comma-separated non-empty strings (paths). */
  | { type: 'texts'; what: string };

export type OptionGroup = 'Input and output' | 'Optimisation' | 'Network' | 'Progress' | 'Reliability';

/**
 * Where an option lives: `stylize` options are the library's (StylizeOptions, the web
 * form); `run` options belong to every front end that loads weights by name and keeps
 * checkpoints (the command, the job service: model, preset, checkpoint interval; see
 * run-options.ts); `cli` options only mean something to the command (paths, progress);
 * `video` options are the library's too, but only a video run uses them (the image command
 * and the web form leave them out).
 */
export type OptionScope = 'stylize' | 'run' | 'cli' | 'video';

export interface OptionSpec<T = unknown, K extends string = string> {
  /** camelCase key: the library's field name; the CLI's flag is its kebab-case. */
  key: K;
  kind: OptionKind;
  /** Undefined: absent unless given. */
  default: T;
  /** Short name for a form field or a sentence: "Content weight". */
  label: string;
  help: string;
  group: OptionGroup;
  scope: OptionScope;
  /**
   * Shapes the trajectory of a run from any iteration on, so a checkpoint made with
   * another value must not be resumed: the fingerprint holds every such option.
   */
  objective?: boolean;
  /** What stands for the value in `--help` (`<w>`); default from the kind. */
  valueName?: string;
  /** The CLI flag may be given more than once; the lists are concatenated. */
  repeatable?: boolean;
  /**
   * The tiled evaluator (src/tiles) does not implement this option: a value other than
   * its default refuses tiling, naming it, rather than computing something else.
   */
  untiled?: boolean;
}

/** The value type an option kind holds (a choice: the union of its choices, when they are literal). */
export type KindValue<K> = K extends { type: 'int' | 'number' }
  ? number
  : K extends { type: 'boolean' }
    ? boolean
    : K extends { type: 'choice'; choices: readonly (infer C)[] }
      ? C
      : K extends { type: 'layers' | 'texts' }
        ? string[]
        : K extends { type: 'ints' | 'weights' }
          ? number[]
          : K extends { type: 'intOr'; words: readonly (infer W)[] }
            ? W | number
            : K extends { type: 'text' }
              ? string
              : unknown;

/** A record's value type: its kind's, or undefined too when it has no default. */
export type SpecValue<S> = S extends { kind: infer K; default: infer D } ? (undefined extends D ? KindValue<K> | undefined : KindValue<K>) : unknown;

/**
 * The typed values of a list of option records, by key: what a loss term's own options
 * are, derived from the records themselves (no key or type is written twice).
 */
export type OptionValues<S extends readonly { key: string }[]> = { readonly [P in S[number] as P['key']]: SpecValue<P> };
