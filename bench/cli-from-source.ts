/** The `neural-style` command from src/ (bin/ runs dist/, which may be older): for benchmarks that time the CLI. */
import { runFromProcess } from '../src/cli/main.js';

await runFromProcess();
