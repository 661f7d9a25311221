#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.hugetlb=1 node
// The `neural-style` command: runs the compiled CLI in dist/ (built by `npm run build`,
// which `npm ci` runs through the `prepare` script).
//
// The tunable in the first line asks glibc's malloc to back its large blocks with
// transparent huge pages (Linux, where THP is in `madvise` mode, as on Debian and Ubuntu;
// ignored elsewhere and by other C libraries). onnxruntime's buffers are fresh memory on a
// session's first runs, and faulting them in 4 KiB pages was most of a short run's style
// targets and first evaluation: a 64 px, 1-iteration run took 1.21 s with it against 1.61 s
// without (bench/RESULTS.md, "Huge pages for onnxruntime's first runs"). It only takes
// effect when the file is run as a command (`neural-style`, `npx neural-style`,
// `./bin/neural-style.js`), not as `node bin/neural-style.js`; it replaces a
// GLIBC_TUNABLES of the caller's.
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
