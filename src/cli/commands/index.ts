/**
 * The commands of `neural-style`, one file each: a new command (video, worker, submit,
 * jobs, …) is a file and one line here. The stylize command is the program itself.
 */
import { registerFetch } from './fetch.js';
import { registerJobs } from './jobs.js';
import { registerModels } from './models.js';
import { registerServe } from './serve.js';
import { registerStylize } from './stylize.js';
import { registerSubmit } from './submit.js';
import { registerVideo } from './video.js';
import type { CommandSpec } from './types.js';
import { registerWorker } from './worker.js';

export const COMMANDS: CommandSpec[] = [
  { name: 'stylize', register: registerStylize },
  { name: 'models', register: registerModels },
  { name: 'fetch', register: registerFetch },
  { name: 'serve', register: registerServe },
  { name: 'worker', register: registerWorker },
  { name: 'submit', register: registerSubmit },
  { name: 'jobs', register: registerJobs },
  { name: 'video', register: registerVideo },
];
