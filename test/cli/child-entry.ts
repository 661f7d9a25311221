// `neural-style` from the TypeScript sources, for tests that need a real process (signals,
// exit codes): the same entry point as bin/neural-style.js, without a build step.
import { runFromProcess } from '../../src/cli/main.js';

await runFromProcess();
