import { describe, expect, it } from 'vitest';
import { DEFAULT_SKIP_MODULES, isSkippedModule } from './skip-modules.js';

describe('isSkippedModule (transformers _replace_with_bnb_linear)', () => {
  const cases: [string, readonly string[], boolean][] = [
    ['lm_head', DEFAULT_SKIP_MODULES, true],
    ['model.layers.0.mlp.down_proj', DEFAULT_SKIP_MODULES, false],
    // its own name listed
    ['model.layers.3.self_attn.o_proj', ['o_proj'], true],
    // a full path listed
    ['model.layers.3.self_attn.o_proj', ['model.layers.3.self_attn.o_proj'], true],
    ['model.layers.3.self_attn.q_proj', ['model.layers.3.self_attn.o_proj'], false],
    // `key + "."` anywhere in the path: a prefix, or a parent's name
    ['model.layers.3.mlp.up_proj', ['model.layers.3'], true],
    ['model.layers.3.mlp.up_proj', ['mlp'], true],
    // not a dotted segment boundary after the key: "model.layers.3" is no prefix of layer 30's path plus "."
    ['model.layers.30.mlp.up_proj', ['model.layers.3'], false],
    // a key that is only a suffix of the name does not match
    ['model.layers.0.mlp.up_proj', ['proj'], false],
  ];
  for (const [path, skip, want] of cases) {
    it(`${path} with ${JSON.stringify(skip)} → ${want ? 'kept in full precision' : 'quantized'}`, () => {
      expect(isSkippedModule(path, skip)).toBe(want);
    });
  }
});
