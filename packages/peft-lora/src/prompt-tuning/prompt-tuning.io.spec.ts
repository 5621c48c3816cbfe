import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostTensor, OrtExecutor, SafetensorsFile, writeSafetensors } from '@tunekit/core';
import type { CausalLMBase, HfTokenizer } from '@tunekit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTiny, logitsOf, maxAbsDiff, tinyCheckpoint } from '../testing/prompt-learning.test-support.js';
import { parsePromptTuningConfig } from './prompt-tuning.config.js';
import { PROMPT_TUNING_METHOD } from './prompt-tuning.method.js';

const ROWS = [[5, 17, 42, 8], [60, 61, 62, 63]];

describe('prompt tuning adapter files', () => {
  let dir = '';
  let tokenizer: HfTokenizer;
  let cleanup: () => Promise<void>;
  const ort = new OrtExecutor({ threads: 1 });
  beforeAll(async () => {
    ({ dir, tokenizer, cleanup } = await tinyCheckpoint('llama'));
  });
  afterAll(async () => {
    await ort.dispose();
    await cleanup();
  });

  const trained = async (): Promise<{ model: CausalLMBase; save: (to: string, baseModel?: string) => Promise<void> }> => {
    const model = await loadTiny(dir);
    const config = parsePromptTuningConfig({ num_virtual_tokens: 6, prompt_tuning_init: 'TEXT', prompt_tuning_init_text: 'Answer yes:' });
    const handle = PROMPT_TUNING_METHOD.apply(model, config, { tokenizer });
    // Move the rows off their init so a load that re-initialised from the text would show.
    const p = model.namedParameters().find(([n]) => n === 'prompt_encoder.default.embedding.weight')![1];
    p.assign(HostTensor.f32(p.shape, p.value.toFloat32().map((v, i) => v + Math.sin(i) * 0.3)));
    return { model, save: (to, baseModel) => handle.save(to, baseModel === undefined ? {} : { baseModel }) };
  };

  it("saves PEFT's layout, names and config fields, and loads back to identical logits", async () => {
    const { model, save } = await trained();
    const out = join(dir, '..', 'saved');
    await save(out, 'org/tiny-llama');
    expect((await readdir(out)).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);

    const text = await readFile(join(out, 'adapter_config.json'), 'utf8');
    const json = JSON.parse(text);
    expect(json).toEqual({
      auto_mapping: null,
      base_model_name_or_path: 'org/tiny-llama',
      inference_mode: true,
      num_attention_heads: 4,
      num_layers: 2,
      num_transformer_submodules: 1,
      num_virtual_tokens: 6,
      peft_type: 'PROMPT_TUNING',
      prompt_tuning_init: 'TEXT',
      prompt_tuning_init_text: 'Answer yes:',
      revision: null,
      task_type: 'CAUSAL_LM',
      token_dim: 64,
      tokenizer_kwargs: null,
      tokenizer_name_or_path: 'org/tiny-llama',
    });
    // Sorted keys, as PEFT's json.dumps(sort_keys=True) writes them.
    expect(Object.keys(json)).toEqual(Object.keys(json).sort());

    const st = await SafetensorsFile.open(join(out, 'adapter_model.safetensors'));
    try {
      expect(st.metadata).toEqual({ format: 'pt' });
      expect(st.names()).toEqual(['prompt_embeddings']);
      expect(st.info('prompt_embeddings')).toMatchObject({ dtype: 'f32', shape: [6, 64] });
      const saved = (await st.read('prompt_embeddings')).toFloat32();
      expect(maxAbsDiff(saved, model.namedParameters().find(([n]) => n === 'prompt_encoder.default.embedding.weight')![1].value.toFloat32())).toBe(0);
    } finally {
      await st.close();
    }

    const adapted = await logitsOf(model, ort, ROWS);
    const fresh = await loadTiny(dir);
    const handle = await PROMPT_TUNING_METHOD.load(fresh, out);
    expect(maxAbsDiff((await logitsOf(fresh, ort, ROWS)).toFloat32(), adapted.toFloat32())).toBe(0);
    expect(handle.trainableParameters()).toEqual([]);
    const trainable = await PROMPT_TUNING_METHOD.load(await loadTiny(dir), out, { trainable: true });
    expect(trainable.trainableParameters().map((p) => p.name)).toEqual(['prompt_encoder.default.embedding.weight']);
  });

  it('recognises PEFT prompt-tuning configs and reads one as PEFT writes it', async () => {
    expect(PROMPT_TUNING_METHOD.recognises({ peft_type: 'PROMPT_TUNING' })).toBe(true);
    expect(PROMPT_TUNING_METHOD.recognises({ peft_type: 'PREFIX_TUNING' })).toBe(false);
    const peftDir = join(dir, '..', 'peft-written');
    await mkdir(peftDir, { recursive: true });
    // What PeftModel.save_pretrained writes for a fresh PromptTuningConfig(task_type=CAUSAL_LM, num_virtual_tokens=3) on this model.
    await writeFile(
      join(peftDir, 'adapter_config.json'),
      JSON.stringify({
        auto_mapping: null, base_model_name_or_path: dir, inference_mode: true, num_attention_heads: 4, num_layers: 2, num_transformer_submodules: 1,
        num_virtual_tokens: 3, peft_type: 'PROMPT_TUNING', prompt_tuning_init: 'RANDOM', prompt_tuning_init_text: null, revision: null,
        task_type: 'CAUSAL_LM', token_dim: 64, tokenizer_kwargs: null, tokenizer_name_or_path: null, modules_to_save: null, peft_version: '0.17.0',
      }, null, 2),
    );
    const rows = HostTensor.f32([3, 64], Float32Array.from({ length: 192 }, (_, i) => Math.cos(i)));
    await writeSafetensors(join(peftDir, 'adapter_model.safetensors'), new Map([['prompt_embeddings', rows]]), { format: 'pt' });
    const model = await loadTiny(dir);
    await PROMPT_TUNING_METHOD.load(model, peftDir);
    const loaded = model.namedParameters().find(([n]) => n === 'prompt_encoder.default.embedding.weight')![1];
    expect(maxAbsDiff(loaded.value.toFloat32(), rows.toFloat32())).toBe(0);
    // Extra modules PEFT may train beside the prompt are not silently dropped.
    const config = JSON.parse(await readFile(join(peftDir, 'adapter_config.json'), 'utf8'));
    await writeFile(join(peftDir, 'adapter_config.json'), JSON.stringify({ ...config, modules_to_save: ['score'] }));
    await expect(PROMPT_TUNING_METHOD.load(await loadTiny(dir), peftDir)).rejects.toThrow('modules_to_save: ["score"] turns on fully trained module copies, which TuneKit does not implement');
  });

  it('rejects a file that does not fit the model, naming file and tensor, and leaves the model untouched', async () => {
    const { save } = await trained();
    const out = join(dir, '..', 'misfit');
    await save(out, 'org/tiny-llama');
    const json = JSON.parse(await readFile(join(out, 'adapter_config.json'), 'utf8'));
    await writeFile(join(out, 'adapter_config.json'), JSON.stringify({ ...json, num_virtual_tokens: 5 }));
    const model = await loadTiny(dir);
    await expect(PROMPT_TUNING_METHOD.load(model, out)).rejects.toThrow(
      `${join(out, 'adapter_model.safetensors')}: tensor "prompt_embeddings" has shape [6, 64], the model expects [5, 64]`,
    );
    expect(model.getModule('prompt_encoder')).toBeUndefined();
    await writeFile(join(out, 'adapter_config.json'), JSON.stringify({ ...json, token_dim: 32 }));
    await expect(PROMPT_TUNING_METHOD.load(model, out)).rejects.toThrow(`${join(out, 'adapter_config.json')}: prompt_tuning config: token_dim: 32 does not fit this llama model, which needs 64`);
    await writeFile(join(out, 'adapter_config.json'), JSON.stringify({ ...json, peft_type: 'LORA' }));
    await expect(PROMPT_TUNING_METHOD.load(model, out)).rejects.toThrow(`${join(out, 'adapter_config.json')}: prompt_tuning config: peft_type: expected "PROMPT_TUNING", got "LORA"`);
  });
});
