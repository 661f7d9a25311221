#!/usr/bin/env node
// The `neural-style` command: runs the compiled CLI in dist/ (built by `npm run build`,
// which `npm ci` runs through the `prepare` script).
// Node's own start-up and our imports, as the first two phases of NEURAL_STYLE_TIMING's split.
const started = performance.now();
performance.measure('neural-style:process start', { start: 0, end: started });
let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('main.js')) {
    process.stderr.write('neural-style is not built: run `npm run build` (or `npm ci`) in the package directory first\n');
    process.exit(1);
  }
  throw err;
}
performance.measure('neural-style:imports', { start: started, end: performance.now() });
await cli.runFromProcess();
