/**
 * `neural-style video -c clip.mp4 -s painting.jpg -o out.mp4`: a clip stylised frame by
 * frame without flicker (Ruder et al.); the work is in ../video/run.ts.
 */
import type { Command } from 'commander';
import { commanderOptions } from '../options.js';
import { notForVideoOptions, videoOptionSpecs } from '../video/options.js';
import type { CommandContext } from './types.js';

export function registerVideo(program: Command, ctx: CommandContext): void {
  const cmd = ctx.setup(program.command('video')).description(
    // One paragraph (commander wraps it to the terminal), then the example on its own line.
    'Stylise a clip (or a PNG sequence) without flicker: each frame starts from the previous result warped by optical flow, ' +
      'and a temporal loss keeps it there where the flow is reliable (Ruder, Dosovitskiy & Brox 2016).\n' +
      'Example: neural-style video -c clip.mp4 -s painting.jpg -o out.mp4',
  );
  for (const spec of videoOptionSpecs()) {
    for (const option of commanderOptions(spec)) cmd.addOption(option);
  }
  for (const option of notForVideoOptions()) cmd.addOption(option);
  cmd.action(async (_opts: unknown, c: Command) => {
    // Loaded when the command runs: ffmpeg, flow and frame code are no part of other commands' start-up.
    const { runVideo } = await import('../video/run.js');
    ctx.setExitCode(await runVideo(c.opts(), { stdout: ctx.io.stdout, stderr: ctx.io.stderr, signal: ctx.signal }));
  });
}
