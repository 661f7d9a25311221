/**
 * writeFileAtomic's temp files: named `<target>.neural-style-<host>-<pid>-<random>.tmp`,
 * and those a killed writer left behind are removed by the next atomic write into the
 * same folder — only those: clearly ours by name, and with no live writer.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempPathFor, writeFileAtomic } from '../../src/models/cache-node.js';

const CACHE_NODE = new URL('../../src/models/cache-node.ts', import.meta.url).href;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ns-cache-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A pid that was alive a moment ago and is not now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

async function age(path: string, ms: number): Promise<void> {
  const t = (Date.now() - ms) / 1000;
  await utimes(path, t, t);
}

describe('writeFileAtomic', () => {
  it('names its temp file after the target, this host and this process', () => {
    const name = basename(tempPathFor(join(dir, 'vgg19.conv.safetensors')));
    expect(name).toMatch(new RegExp(`^vgg19\\.conv\\.safetensors\\.neural-style-[0-9a-f]{8}-${process.pid}-[0-9a-f]{8}\\.tmp$`));
  });

  it('removes the temp file of a writer killed with SIGKILL at its next write into the folder', async () => {
    const target = join(dir, 'vgg19.conv.safetensors');
    // A real process starts an atomic write and is killed before the rename.
    const script = `const m = await import(${JSON.stringify(CACHE_NODE)});
      const { writeFileSync } = await import('node:fs');
      const tmp = m.tempPathFor(${JSON.stringify(target)});
      writeFileSync(tmp, 'half a file');
      console.log(tmp);
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const tmp = await new Promise<string>((ok, fail) => {
      child.stdout!.once('data', (d: Buffer) => ok(d.toString().trim()));
      child.once('exit', (code) => fail(new Error(`the writer exited (${code}) before starting its write`)));
    });
    expect(existsSync(tmp)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));

    await writeFileAtomic(join(dir, 'other.ckpt'), new Uint8Array([1, 2, 3]));
    expect((await readdir(dir)).sort()).toEqual(['other.ckpt']);
  });

  it('leaves alone what is not clearly ours, or may still be being written', async () => {
    const dead = await deadPid();
    const own = (name: string, pid: number) => basename(tempPathFor(join(dir, name), pid));
    const otherHost = (name: string) => own(name, dead).replace(/neural-style-([0-9a-f]{8})/, (_m, h: string) => `neural-style-${h === 'ffffffff' ? '00000000' : 'ffffffff'}`);
    const keep = [
      own('a.bin', process.pid), // a live writer (this process) that may be at work
      otherHost('b.bin'), // another machine on a shared disk: its pid means nothing here
      'notes.tmp',
      `c.bin.${dead}.0123abcd.tmp`, // looks like a temp file, but not by our pattern
      `d.bin.neural-style-zz-${dead}-0123abcd.tmp`,
      'e.bin',
    ];
    const remove = [own('f.bin', dead), otherHost('g.bin'), own('i.bin', process.pid)];
    for (const name of [...keep, ...remove]) await writeFile(join(dir, name), 'x');
    const directory = own('h.bin', dead); // a directory with our name is not our file
    await mkdir(join(dir, directory));
    keep.push(directory);
    // Days old: another machine's writer is gone too, and a live pid must have been reused.
    await age(join(dir, remove[1]!), 3 * 24 * 3600_000);
    await age(join(dir, remove[2]!), 3 * 24 * 3600_000);

    await writeFileAtomic(join(dir, 'new.bin'), new Uint8Array([7]));
    expect((await readdir(dir)).sort()).toEqual([...keep, 'new.bin'].sort());
    expect(await readFile(join(dir, 'new.bin'))).toEqual(Buffer.from([7]));
  });
});
