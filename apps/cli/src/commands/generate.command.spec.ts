import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { HostTensor, OrtExecutor, Rng, fromFloat32 } from '@tunekit/core';
import { HfTokenizer, generate, loadModel } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';
import { LoraModel, loadAdapter, parseLoraConfig, saveAdapter } from '@tunekit/peft-lora';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/tunekit.js', import.meta.url));
const gpt2Fixture = fileURLToPath(new URL('../../../../../shared/fixtures/tiny-random-gpt2', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function tunekit(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, 'generate', ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** stdout must be exactly one JSON object with exactly the documented keys. */
function onlyJsonObject(stdout: string): { input_ids: number[]; output_ids: number[]; text: string } {
  expect(stdout.trim().split('\n')).toHaveLength(1);
  const out = JSON.parse(stdout);
  expect(Object.keys(out).sort()).toEqual(['input_ids', 'output_ids', 'text']);
  return out;
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tunekit-cli-generate-'));
  // 269 = the tiny tokenizer's size, so every id the model can produce decodes.
  await createTinyModel({ arch: 'llama', dir, seed: 5, vocab: 269, config: { initializer_range: 0.2 } });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('tunekit generate', () => {
  it('--adapter applies a saved PEFT adapter: the same tokens as loading it in code, not the base model\'s', async () => {
    const adapterDir = join(dir, 'adapter');
    const base = await loadModel(dir);
    const lora = LoraModel.inject(base.model, parseLoraConfig({ r: 4, lora_alpha: 16, target_modules: 'all-linear' }));
    const rng = new Rng(11);
    for (const [name, p] of base.model.namedParameters()) {
      if (name.includes('lora_B')) p.assign(new HostTensor('f32', p.shape, fromFloat32('f32', Array.from({ length: p.size }, () => rng.normal() * 0.5))));
    }
    await saveAdapter(lora, adapterDir);

    const ids = [5, 17, 42, 8];
    const args = ['--model', dir, '--input-ids', ids.join(','), '--max-new-tokens', '6', '--temperature', '0', '--json'];
    const withAdapter = onlyJsonObject((await tunekit(...args, '--adapter', adapterDir)).stdout);
    const without = onlyJsonObject((await tunekit(...args)).stdout);

    const ref = await loadModel(dir);
    const executor = new OrtExecutor();
    await loadAdapter(ref.model, adapterDir);
    const expected = await generate(ref.model, executor, [ids], { maxNewTokens: 6, doSample: false, generationConfig: ref.generationConfig });
    await executor.dispose();
    expect(withAdapter.output_ids).toEqual(expected.outputIds[0]);
    expect(withAdapter.output_ids).not.toEqual(without.output_ids);
  });

  it('--json prints one object: the chat-templated prompt ids, the new ids and their text', async () => {
    const run = await tunekit('--model', dir, '--prompt', 'the cat', '--chat', '--max-new-tokens', '5', '--json');
    expect(run.code).toBe(0);
    const out = onlyJsonObject(run.stdout);
    const tokenizer = await HfTokenizer.fromDir(dir);
    expect(out.input_ids).toEqual(tokenizer.encodeChat([{ role: 'user', content: 'the cat' }], { addGenerationPrompt: true }));
    expect(out.output_ids.length).toBeGreaterThan(0);
    expect(out.output_ids.length).toBeLessThanOrEqual(5);
    expect(out.text).toBe(tokenizer.decode(out.output_ids, { skipSpecialTokens: true, cleanUpTokenizationSpaces: false }));
  });

  it('streams the same text without --json; temperature 0 is greedy; a seed makes sampling repeatable', async () => {
    const base = ['--model', dir, '--prompt', 'in a hat', '--max-new-tokens', '8'];
    const [greedy, zero, streamed, a, b, onlyBest] = await Promise.all([
      tunekit(...base, '--json'),
      tunekit(...base, '--temperature', '0', '--json'),
      tunekit(...base),
      tunekit(...base, '--temperature', '1.5', '--top-k', '0', '--seed', '7', '--json'),
      tunekit(...base, '--temperature', '1.5', '--top-k', '0', '--seed', '7', '--json'),
      // Min-p 1 leaves only the most likely token in the draw: sampling then picks greedy's tokens.
      tunekit(...base, '--temperature', '1.5', '--top-k', '0', '--min-p', '1', '--seed', '7', '--json'),
    ]);
    const greedyOut = onlyJsonObject(greedy.stdout);
    expect(onlyJsonObject(onlyBest.stdout).output_ids).toEqual(greedyOut.output_ids);
    expect(onlyJsonObject(zero.stdout).output_ids).toEqual(greedyOut.output_ids);
    expect(streamed.stdout).toBe(`${greedyOut.text}\n`);
    expect(onlyJsonObject(a.stdout).output_ids).toEqual(onlyJsonObject(b.stdout).output_ids);
    expect(onlyJsonObject(a.stdout).output_ids).not.toEqual(greedyOut.output_ids);
  });

  it("reproduces onnxruntime-genai's greedy output for tiny-random-gpt2 from input ids", async () => {
    const run = await tunekit('--model', gpt2Fixture, '--input-ids', '0,0,0,52', '--max-new-tokens', '6', '--json');
    expect(run.stderr).toBe('');
    const out = onlyJsonObject(run.stdout);
    expect(out.input_ids).toEqual([0, 0, 0, 52]);
    expect(out.output_ids).toEqual([204, 204, 204, 204, 204, 204]);
  });

  it.each([
    [['--prompt', 'x'], /--model is required/],
    [['--model', gpt2Fixture, '--prompt', 'x', '--input-ids', '1'], /exactly one of --prompt and --input-ids/],
    [['--model', gpt2Fixture], /exactly one of --prompt and --input-ids/],
    [['--model', gpt2Fixture, '--input-ids', '1', '--max-new-tokens', 'abc'], /--max-new-tokens expects an integer ≥ 1, got "abc"/],
    [['--model', gpt2Fixture, '--input-ids', '1', '--top-p', '1.5'], /--top-p expects a number in \(0, 1\], got "1.5"/],
    [['--model', gpt2Fixture, '--input-ids', '1', '--min-p', '2'], /--min-p expects a number in \[0, 1\], got "2"/],
    [['--model', gpt2Fixture, '--input-ids', '1,x'], /--input-ids expects comma-separated token ids/],
    [['--model', gpt2Fixture, '--input-ids', '1', '--chat'], /--chat applies the chat template to --prompt/],
    [['--model', gpt2Fixture, '--input-ids', '5000'], /token id 5000, outside the model's vocabulary of 1000/],
  ])('rejects %j with one line on stderr and a non-zero exit', async (args, message) => {
    const run = await tunekit(...args);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^tunekit generate: /);
    expect(run.stderr).toMatch(message);
  });
});
