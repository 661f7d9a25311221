/** `--redis URL`, shared by the worker, submit, jobs and serve --api commands. */
import { Option } from 'commander';

export const REDIS_ENV = 'NEURAL_STYLE_REDIS';

export const redisOption = () =>
  new Option('--redis <url>', `The Redis that holds the queue and the job store (default $${REDIS_ENV}, else redis://127.0.0.1:6379).`);

export function redisUrl(given: string | undefined): string {
  return given ?? process.env[REDIS_ENV] ?? 'redis://127.0.0.1:6379';
}
