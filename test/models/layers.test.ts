import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { convLayers, layerIndex, layersUpTo, layerTableFor, vgg16Table, vgg19Table } from '../../src/models/layers.js';

// Printed by torchvision 0.14: [i for i, l in enumerate(vggNN().features) if isinstance(l, Conv2d)]
const TORCHVISION_CONVS = {
  vgg19: [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34],
  vgg16: [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28],
};

describe('layer tables', () => {
  it.each([
    ['vgg19', vgg19Table, [2, 2, 4, 4, 4]],
    ['vgg16', vgg16Table, [2, 2, 3, 3, 3]],
  ] as const)('%s: Caffe names, torchvision indexes', (arch, table, blocks) => {
    expect(table.architecture).toBe(arch);
    const expectedNames: string[] = [];
    blocks.forEach((n, b) => {
      for (let c = 1; c <= n; c++) expectedNames.push(`conv${b + 1}_${c}`, `relu${b + 1}_${c}`);
      expectedNames.push(`pool${b + 1}`);
    });
    expect(table.layers.map((l) => l.name)).toEqual(expectedNames);
    expect(convLayers(table).map((l) => l.stateDictKey)).toEqual(TORCHVISION_CONVS[arch].map((i) => `features.${i}`));
    for (const l of table.layers) {
      expect(l.kind).toBe(l.name.startsWith('conv') ? 'conv' : l.name.startsWith('relu') ? 'relu' : 'pool');
      if (l.kind !== 'conv') expect(l.stateDictKey).toBeUndefined();
    }
  });

  it('layerTableFor picks the table or lists the known architectures', () => {
    expect(layerTableFor('vgg19')).toBe(vgg19Table);
    expect(layerTableFor('vgg16')).toBe(vgg16Table);
    const err = (() => {
      try {
        layerTableFor('resnet50');
      } catch (e) {
        return e as UsageError;
      }
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect(err!.exitCode).toBe(2);
    expect(err!.message).toContain("'resnet50'");
    expect(err!.message).toContain('vgg19, vgg16');
  });

  it('layerIndex finds layers and lists valid names for unknown ones', () => {
    expect(layerIndex(vgg19Table, 'conv1_1')).toBe(0);
    expect(vgg19Table.layers[layerIndex(vgg19Table, 'relu4_2')]!.name).toBe('relu4_2');
    expect(layerIndex(vgg19Table, 'pool5')).toBe(vgg19Table.layers.length - 1);
    expect(() => layerIndex(vgg16Table, 'relu5_4')).toThrow(UsageError);
    expect(() => layerIndex(vgg16Table, 'relu5_4')).toThrow(/unknown layer 'relu5_4' for vgg16; valid layers: conv1_1, relu1_1, .*relu5_3, pool5/);
  });

  it('layersUpTo cuts after the deepest requested layer', () => {
    const layers = layersUpTo(vgg19Table, ['relu1_1', 'relu4_2', 'relu2_1']);
    expect(layers.at(-1)!.name).toBe('relu4_2');
    expect(layers.length).toBe(layerIndex(vgg19Table, 'relu4_2') + 1);
    expect(() => layersUpTo(vgg19Table, ['relu9_9'])).toThrow(UsageError);
  });
});
