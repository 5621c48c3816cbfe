import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer, type Tensor, env } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli.test-support.js';
import { EXAMPLES, fineTunedQuickstart } from '../testing/quickstart-run.test-support.js';

env.allowRemoteModels = false;

interface Conversation {
  readonly messages: readonly { readonly role: string; readonly content: string }[];
}

/**
 * Held-out exact match in transformers.js, scored as `tunekit train`'s evaluation scores it: the
 * conversation up to the answer through the chat template with the generation prompt, greedy, 4 new
 * tokens at most (stopping at EOS), special tokens dropped, compared after trimming spaces.
 */
async function transformersJsAccuracy(dir: string, dtype: 'fp32' | 'fp16' | 'q4', rows: readonly Conversation[]): Promise<number> {
  const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  const lm = await AutoModelForCausalLM.from_pretrained(dir, { local_files_only: true, dtype });
  try {
    let correct = 0;
    for (const { messages } of rows) {
      const history = messages.slice(0, -1) as { role: string; content: string }[];
      const inputs = tokenizer.apply_chat_template(history, { add_generation_prompt: true, return_dict: true }) as unknown as { input_ids: Tensor; attention_mask: Tensor };
      const out = (await lm.generate({ ...inputs, max_new_tokens: 4, do_sample: false })) as Tensor;
      const answer = tokenizer.decode(Array.from(out.data as BigInt64Array, Number).slice(inputs.input_ids.dims[1]), { skip_special_tokens: true });
      if (answer.trim() === messages[messages.length - 1].content.trim()) correct++;
    }
    return (100 * correct) / rows.length;
  } finally {
    await lm.dispose();
  }
}

describe('the fine-tuned quickstart, exported to ONNX', () => {
  it('keeps the accuracy TuneKit measured, in transformers.js: fp32, fp16 and q4 each within 2 points', { timeout: 1_800_000 }, async () => {
    const train = await fineTunedQuickstart();
    expect(train.code, train.stderr).toBe(0);
    expect(train.accuracy, train.stdout).not.toBeNull();
    const tunekit = train.accuracy!;
    // A model that answers nothing would agree with any broken export.
    expect(tunekit).toBeGreaterThan(10);

    const out = await mkdtemp(join(tmpdir(), 'tunekit-onnx-quickstart-'));
    try {
      // The export refuses an existing folder: it writes a new one inside the temp folder.
      const exported = join(out, 'exported');
      const run = await runCli(['export', '--format', 'onnx', '--model', join(EXAMPLES, 'quickstart-model'), '--adapter', train.dir, '--quantize', 'fp16,q4', '--out', exported]);
      expect(run.code, run.stderr).toBe(0);
      expect(await readdir(join(exported, 'onnx'))).toEqual(expect.arrayContaining(['model.onnx', 'model_fp16.onnx', 'model_q4.onnx']));

      const rows = (await readFile(join(EXAMPLES, 'data', 'quickstart-test.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Conversation);
      expect(rows).toHaveLength(200);
      const measured = { fp32: 0, fp16: 0, q4: 0 };
      for (const dtype of ['fp32', 'fp16', 'q4'] as const) measured[dtype] = await transformersJsAccuracy(exported, dtype, rows);
      console.log(`quickstart held-out exact match: TuneKit ${tunekit}%, transformers.js fp32 ${measured.fp32}%, fp16 ${measured.fp16}%, q4 ${measured.q4}%`);
      for (const dtype of ['fp32', 'fp16', 'q4'] as const) expect(Math.abs(measured[dtype] - tunekit), dtype).toBeLessThanOrEqual(2);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
