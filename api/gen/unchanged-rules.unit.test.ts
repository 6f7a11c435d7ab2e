import { describe, expect, it } from '@jest/globals';
import { skipRulesWhenUnchanged } from './unchanged-rules.js';

const rule = (r: string) => ({ 'x-kubernetes-validations': [{ rule: r, message: 'm', fieldPath: '.x' }] });

describe('skipRulesWhenUnchanged', () => {
  const schema = {
    type: 'object',
    ...rule('has(self.steps)'),
    properties: {
      steps: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['id'],
        items: {
          type: 'object',
          ...rule("self.action != 'press' || has(self.key)"),
          properties: {
            target: { type: 'object', ...rule('has(self.css)') },
            elements: { type: 'array', items: { type: 'object', ...rule('has(self.role)') } },
            headers: { type: 'object', additionalProperties: { type: 'object', ...rule('has(self.v)') } },
          },
        },
      },
      before: { type: 'object', ...rule('self.a == oldSelf.a') },
    },
  };
  const out = skipRulesWhenUnchanged(schema) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const step = out.properties.steps.items;

  it('guards rules on correlatable nodes, keeping message and fieldPath', () => {
    expect(out['x-kubernetes-validations']).toEqual([{ rule: 'oldSelf.hasValue() || (has(self.steps))', optionalOldSelf: true, message: 'm', fieldPath: '.x' }]);
    expect(step['x-kubernetes-validations'][0].rule).toBe("oldSelf.hasValue() || (self.action != 'press' || has(self.key))");
    expect(step.properties.target['x-kubernetes-validations'][0]).toMatchObject({ rule: 'oldSelf.hasValue() || (has(self.css))', optionalOldSelf: true });
  });

  it('leaves rules under atomic lists and maps alone (the API server refuses oldSelf there)', () => {
    expect(step.properties.elements.items['x-kubernetes-validations']).toEqual([{ rule: 'has(self.role)', message: 'm', fieldPath: '.x' }]);
    expect(step.properties.headers.additionalProperties['x-kubernetes-validations'][0].rule).toBe('has(self.v)');
  });

  it('leaves transition rules alone and does not touch its input', () => {
    expect(out.properties.before['x-kubernetes-validations'][0]).toEqual({ rule: 'self.a == oldSelf.a', message: 'm', fieldPath: '.x' });
    expect(schema.properties.steps.items['x-kubernetes-validations'][0]!.rule).toBe("self.action != 'press' || has(self.key)");
  });
});
