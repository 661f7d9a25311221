#!/usr/bin/env node
// The `neural-style` command: runs the compiled CLI in dist/ (built by `npm run build`,
// which `npm ci` runs through the `prepare` script). On Linux it may first start itself
// again with glibc's malloc asked for huge pages (dist/cli/huge-pages-node.js says when
// and why; NEURAL_STYLE_HUGE_PAGES=0 turns that off).
// Node's own start-up and our imports, as the first two phases of NEURAL_STYLE_TIMING's split.
import { fileURLToPath } from 'node:url';

const started = performance.now();
performance.measure('neural-style:process start', { start: 0, end: started });
let cli;
try {
  const { relaunchWithHugePages } = await import('../dist/cli/huge-pages-node.js');
  const relaunched = relaunchWithHugePages(fileURLToPath(import.meta.url));
  if (relaunched) await relaunched; // never settles: this process ends with the relaunched one
  cli = await import('../dist/cli/main.js');
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && /(main|huge-pages-node)\.js/.test(String(err.message))) {
    process.stderr.write('neural-style is not built: run `npm run build` (or `npm ci`) in the package directory first\n');
    process.exit(1);
  }
  throw err;
}
performance.measure('neural-style:imports', { start: started, end: performance.now() });
await cli.runFromProcess();
