import { templateFromConfigMap, TemplateImageError } from './templates.js';

// A 1x1 PNG (IHDR only matters here).
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f6e3d30000000049454e44ae426082',
  'hex',
).toString('base64');

describe('templateFromConfigMap', () => {
  it('reads binaryData, or base64 text in data (line breaks allowed)', () => {
    expect(templateFromConfigMap({ binaryData: { icon: PNG } }, 'icon', 'ConfigMap a/b')).toBe(PNG);
    expect(
      templateFromConfigMap({ data: { icon: PNG.slice(0, 20) + '\n' + PNG.slice(20) } }, 'icon', 'ConfigMap a/b'),
    ).toBe(PNG);
  });
  it.each<[string, object, RegExp]>([
    ['a missing key', { data: { other: PNG } }, /ConfigMap a\/b has no key "icon"/],
    [
      'not a PNG',
      { data: { icon: Buffer.from('hello world, not an image at all').toString('base64') } },
      /key "icon": not a PNG/,
    ],
  ])('refuses %s', (_name, cm, message) => {
    expect(() => templateFromConfigMap(cm, 'icon', 'ConfigMap a/b')).toThrow(TemplateImageError);
    expect(() => templateFromConfigMap(cm, 'icon', 'ConfigMap a/b')).toThrow(message);
  });
});
