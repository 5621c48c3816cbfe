import { fileURLToPath } from 'node:url';
import { HfTokenizer } from '@tunekit/models';
import { describe, expect, it } from 'vitest';
import { turnEndIds } from './turn-end.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../../../shared/fixtures/${name}/`, import.meta.url));

describe('turnEndIds', () => {
  it('ChatML: the "\\n" after <|im_end|>', async () => {
    const tk = await HfTokenizer.fromDir(fixture('golden-peft/base'));
    expect(turnEndIds(tk, 'rm')).toEqual(tk.encode('\n', { addSpecialTokens: false }));
  });

  it('refuses a tokenizer whose template does not end a turn with its eos token', async () => {
    const tk = await HfTokenizer.fromDir(fixture('golden-peft/base'));
    const noEos = Object.assign(Object.create(tk) as HfTokenizer, { eosTokenId: 5 });
    expect(() => turnEndIds(noEos, 'rm')).toThrow('rm: the chat template does not end an assistant turn with the eos token (id 5)');
  });
});
