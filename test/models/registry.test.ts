import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { cachePaths, resolveCacheDir } from '../../src/models/cache-node.js';
import {
  DEFAULT_MODEL,
  getModelEntry,
  MODELS,
  modelNames,
  RANDOM_MODEL,
  rebaseUrl,
  weightFileName,
} from '../../src/models/registry.js';

describe('registry', () => {
  it('has unique names and contains the default and the offline model', () => {
    const names = modelNames();
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining(['vgg19', 'vgg16', 'vgg19-torchvision', 'vgg16-torchvision', 'vgg19-random']),
    );
    expect(getModelEntry(DEFAULT_MODEL)).toMatchObject({ architecture: 'vgg19', preprocessing: 'caffe' });
    expect(getModelEntry(RANDOM_MODEL).url).toBeUndefined();
    expect(getModelEntry(RANDOM_MODEL).description).toMatch(/offline/);
    expect(getModelEntry(RANDOM_MODEL).description).toMatch(/lower quality/);
  });

  it('follows the torchvision naming convention: the hex in the file name starts the SHA-256', () => {
    for (const entry of MODELS.filter((e) => e.url)) {
      const hex = /-([0-9a-f]{8,})\.pth$/.exec(weightFileName(entry.url!))?.[1];
      expect(hex, entry.name).toBeDefined();
      expect(entry.integrity?.sha256Prefix, entry.name).toBe(hex);
      expect(entry.url!.startsWith('https://'), entry.name).toBe(true);
    }
  });

  it('knows the facts it was given and invents no sizes', () => {
    expect(getModelEntry('vgg19-torchvision')).toMatchObject({
      url: 'https://download.pytorch.org/models/vgg19-dcbb9e9d.pth',
      architecture: 'vgg19',
      preprocessing: 'torchvision',
      integrity: { sha256Prefix: 'dcbb9e9d', size: 574_673_361 },
    });
    expect(getModelEntry('vgg16-torchvision').url).toBe('https://download.pytorch.org/models/vgg16-397923af.pth');
    expect(getModelEntry('vgg19').url).toBe('https://web.eecs.umich.edu/~justincj/models/vgg19-d01eb7cb.pth');
    expect(getModelEntry('vgg16').url).toBe('https://web.eecs.umich.edu/~justincj/models/vgg16-00b39a1b.pth');
    for (const name of ['vgg19', 'vgg16', 'vgg16-torchvision']) {
      expect(getModelEntry(name).integrity?.size, name).toBeUndefined();
    }
    expect(getModelEntry('vgg16').preprocessing).toBe('caffe');
  });

  it('rejects an unknown name with a UsageError that lists the known ones', () => {
    expect(() => getModelEntry('vgg21')).toThrow(UsageError);
    expect(() => getModelEntry('vgg21')).toThrow(/Unknown model 'vgg21'.*vgg19, vgg16, vgg19-torchvision/);
  });

  it('derives file names from URLs and rebases URLs onto a mirror', () => {
    expect(weightFileName('https://x.org/a/b/vgg19-d01eb7cb.pth')).toBe('vgg19-d01eb7cb.pth');
    expect(() => weightFileName('https://x.org/models/')).toThrow(UsageError);
    const url = getModelEntry('vgg19').url!;
    expect(rebaseUrl(url, 'http://127.0.0.1:8080/mirror')).toBe('http://127.0.0.1:8080/mirror/vgg19-d01eb7cb.pth');
    expect(rebaseUrl(url, 'http://127.0.0.1:8080/mirror/')).toBe('http://127.0.0.1:8080/mirror/vgg19-d01eb7cb.pth');
  });
});

describe('cache directory', () => {
  const home = '/home/someone';

  it('prefers the explicit option, then $NEURAL_STYLE_CACHE, then $XDG_CACHE_HOME, then ~/.cache', () => {
    const env = { NEURAL_STYLE_CACHE: '/ns', XDG_CACHE_HOME: '/xdg' };
    expect(resolveCacheDir('/explicit', env, home)).toBe('/explicit');
    expect(resolveCacheDir(undefined, env, home)).toBe('/ns');
    expect(resolveCacheDir(undefined, { XDG_CACHE_HOME: '/xdg' }, home)).toBe(join('/xdg', 'neural-style'));
    expect(resolveCacheDir(undefined, {}, home)).toBe(join(home, '.cache', 'neural-style'));
  });

  it('treats empty variables as unset and ignores a relative XDG_CACHE_HOME', () => {
    expect(resolveCacheDir('', { NEURAL_STYLE_CACHE: '', XDG_CACHE_HOME: '' }, home)).toBe(
      join(home, '.cache', 'neural-style'),
    );
    expect(resolveCacheDir(undefined, { XDG_CACHE_HOME: 'relative/cache' }, home)).toBe(
      join(home, '.cache', 'neural-style'),
    );
  });

  it('makes relative explicit and NEURAL_STYLE_CACHE paths absolute', () => {
    expect(resolveCacheDir('rel', {}, home)).toBe(resolve('rel'));
    expect(resolveCacheDir(undefined, { NEURAL_STYLE_CACHE: 'rel2' }, home)).toBe(resolve('rel2'));
  });

  it('names cache files after the URL, the compact copy after its checksummed stem', () => {
    expect(cachePaths('/c', getModelEntry('vgg19'))).toEqual({
      file: join('/c', 'vgg19-d01eb7cb.pth'),
      partial: join('/c', 'vgg19-d01eb7cb.pth.partial'),
      compact: join('/c', 'vgg19-d01eb7cb.conv.safetensors'),
    });
    expect(() => cachePaths('/c', getModelEntry(RANDOM_MODEL))).toThrow();
  });
});
