/**
 * `npm run bench:soak`: the job service under a hostile crowd on loopback (bench/soak-run.ts):
 * a private Redis, `serve --api`, worker processes, and concurrent clients sending valid
 * small jobs, malformed JSON, oversized uploads, jobs over the caps, unauthorised requests,
 * cancels and reads. Prints its figures; exits 1 when it saw a 5xx, a crash, an accepted job
 * that did not end (done, failed with a reason, or cancelled) or Redis memory over the limit.
 *
 *   npm run bench:soak -- [--requests 1000] [--clients 20] [--workers 2] [--seed 1] [--iterations 1,2] [--max-redis-mb 256]
 */
import { int, ints, readArgs } from './args.js';
import { describeSoak, runSoak, soakProblems } from './soak-run.js';

const { values: args } = readArgs({
  usage: 'npm run bench:soak -- [options]',
  flags: {
    requests: int(1000, 'requests in all'),
    clients: int(20, 'clients sending at once'),
    workers: int(2, 'worker processes'),
    seed: int(1, 'seed of the request mix'),
    iterations: ints([1, 2], "the valid jobs' iteration counts, one picked per job"),
    'max-redis-mb': int(256, "Redis's used_memory must stay under this, MiB"),
    'drain-s': int(300, 'how long accepted jobs may take to end after the last request, s'),
  },
});

const settings = {
  requests: args.requests,
  clients: args.clients,
  workers: args.workers,
  seed: args.seed,
  iterations: args.iterations,
  maxRedisBytes: args['max-redis-mb'] * 2 ** 20,
  drainMs: args['drain-s'] * 1000,
  log: (l: string) => console.log(l),
};
const figures = await runSoak(settings);
for (const line of describeSoak(figures, settings)) console.log(line);
const problems = soakProblems(figures, settings);
console.log(problems.length ? `FAILED:\n  ${problems.join('\n  ')}` : 'held: no 5xx, no crash, every accepted job ended, Redis memory bounded');
process.exitCode = problems.length ? 1 : 0;
