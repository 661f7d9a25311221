/** What a compiled graph is built for besides the network and the options, with its defaults. */
import { backendProfile, graphForms, type BackendProfile } from '../backends/index.js';
import type { GraphForms } from '../graph/passes/index.js';
import type { ImageShape } from '../graph/winograd/lower.js';
import { UNMASKED_RUN, type LossTerm, type RunShape, type TermOptions } from '../losses/index.js';
import { pixels, type Parameterisation } from '../parameterisations/index.js';

/** What a compiled graph is built for, besides the network and the options. */
export interface GraphSetup {
  /** Where it runs; default the profile `options.backend` names (src/backends). */
  backend?: BackendProfile;
  /** Graph forms over the backend's own (a test or bench pinning a conv form). */
  forms?: Partial<GraphForms>;
  /** The loss terms; default every registered one. */
  terms?: readonly LossTerm[];
  /** How many styles, and whether masks make regions of them. */
  run?: RunShape;
  /** What the optimiser moves; default the pixels. */
  parameterisation?: Parameterisation;
  /**
   * The image shape the graph is tuned for: each conv's form is chosen for its feature map
   * there (landscape, portrait or square). Any other shape still runs, the same results to
   * float rounding. Default: a square of `options.imageSize`.
   */
  shape?: ImageShape;
}

/** The setup with its defaults: the backend's profile and the graph forms it asks for, `forms` over them. */
export function resolveSetup(options: TermOptions, setup: GraphSetup): Required<Omit<GraphSetup, 'terms' | 'shape'>> & { terms?: readonly LossTerm[] } {
  const backend = setup.backend ?? backendProfile(options.backend);
  return {
    backend,
    forms: { ...graphForms(backend, options, setup.shape), ...setup.forms },
    terms: setup.terms,
    run: setup.run ?? UNMASKED_RUN,
    parameterisation: setup.parameterisation ?? pixels,
  };
}
