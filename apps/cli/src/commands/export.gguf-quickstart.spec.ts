import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMergedModel } from '@tunekit/exporters';
import { type Agreement, agreementWith, heldOutSequences, llamaCppAnswers, llamaCppScores, loadGguf, perplexity, scoresOfLogits, tunekitLogits } from '@tunekit/exporters/testing';
import { PEFT_METHOD } from '@tunekit/peft-lora';
// After @tunekit/* (core loads reflect-metadata, which tsyringe needs first).
import { container } from 'tsyringe';
import { registerBuiltins } from '../builtins.js';
import { runCli } from '../testing/cli.test-support.js';
import { EXAMPLES, fineTunedQuickstart } from '../testing/quickstart-run.test-support.js';

const HELD_OUT = join(EXAMPLES, 'data', 'quickstart-test.jsonl');
const EOS = 2; // <|im_end|>, the quickstart model's eos_token_id

describe('the fine-tuned quickstart, exported to GGUF, in llama.cpp (node-llama-cpp 3.21.1)', () => {
  it('stops at the eos, keeps the accuracy TuneKit measured (F32 within 2 points) and Q8_0 predicts as TuneKit f32 does', { timeout: 1_800_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), 'tunekit-gguf-quickstart-'));
    try {
      // The quickstart as shipped (see examples/README.md), trained once per test run and shared
      // with the ONNX quickstart spec; its output folder holds the adapter.
      const train = await fineTunedQuickstart();
      expect(train.code, train.stderr).toBe(0);
      expect(train.accuracy, train.stdout).not.toBeNull();
      const tunekit = train.accuracy!;
      // A model that answers nothing would agree with any broken export.
      expect(tunekit).toBeGreaterThan(10);

      // TuneKit's f32 forward of the model the export writes: the base with the adapter merged, by the
      // methods `tunekit export` has. Its next-token predictions on every held-out story (the user
      // turns: all 200, in file order) are the reference for Q8_0.
      const builtins = container.createChildContainer();
      registerBuiltins(builtins);
      const merged = await loadMergedModel(join(EXAMPLES, 'quickstart-model'), train.dir, builtins.resolveAll(PEFT_METHOD));
      const stories = await heldOutSequences(merged.tokenizer, HELD_OUT);
      const ref = scoresOfLogits(stories, await tunekitLogits(merged.model, stories));
      let q8: Agreement | undefined;

      const measured: Record<string, { accuracy: number; stoppedAtEog: number }> = {};
      for (const preset of ['F32', 'Q8_0'] as const) {
        const dir = join(out, preset);
        const run = await runCli(['export', '--format', 'gguf', '--model', join(EXAMPLES, 'quickstart-model'), '--adapter', train.dir, '--quantize', preset, '--out', dir]);
        expect(run.code, run.stderr).toBe(0);
        const file = join(dir, (await readdir(dir)).find((f) => f.endsWith('.gguf'))!);
        const g = await loadGguf(file);
        try {
          // llama.cpp reads the model's eos from the file and ends generation there.
          expect(g.model.tokens.eos as unknown as number).toBe(EOS);
          const answers = await llamaCppAnswers(g, file, HELD_OUT, 4, 16);
          measured[preset] = { accuracy: answers.accuracy, stoppedAtEog: answers.stoppedAtEog };
          // (a) Every answer ends at llama.cpp's end-of-generation token, the model's eos, well inside
          // the budget (measured 2026-12-05: 200 of 200 in F32, on the same adapter as below).
          if (preset === 'F32') {
            expect(answers.stoppedAtEog).toBe(answers.total);
            expect([...answers.stopTokens]).toEqual([EOS]);
          }
          if (preset === 'Q8_0') q8 = agreementWith(ref, await llamaCppScores(g, stories));
        } finally {
          await g.dispose();
        }
      }
      console.log(`quickstart held-out exact match: TuneKit ${tunekit}%, llama.cpp F32 ${measured.F32!.accuracy}%, Q8_0 ${measured.Q8_0!.accuracy}% (answers ending at the eos: ${measured.F32!.stoppedAtEog}, ${measured.Q8_0!.stoppedAtEog} of 200)`);
      // (b) The bar: llama.cpp answers as TuneKit does, within 2 points (measured 2026-12-05 on
      // one quickstart run: TuneKit 56.0%, llama.cpp F32 56.0%; Q8_0's exact match is reported, its
      // predictions are held to (c)).
      expect(Math.abs(measured.F32!.accuracy - tunekit)).toBeLessThanOrEqual(2);
      console.log(`quickstart held-out stories, llama.cpp Q8_0 vs TuneKit f32 (perplexity ${perplexity(ref).toFixed(4)}): top-1 agreement ${(100 * q8!.agreement).toFixed(2)}% of ${q8!.positions} positions in ${q8!.sequences} stories, perplexity ratio ${q8!.pplRatio.toFixed(5)}`);
      // (c) The Q8_0 targets, on the model users export (measured 2026-12-05 by this spec, and
      // a script before it, on the seeded quickstart run: 99.30%, 4,686 of 4,719, ratio 1.0022; the
      // untrained base gets 98.79%, see gguf.llama-cpp.spec.ts).
      expect(q8!.sequences).toBe(200);
      expect(q8!.positions).toBeGreaterThanOrEqual(256);
      expect(q8!.agreement).toBeGreaterThanOrEqual(0.99);
      expect(q8!.pplRatio).toBeLessThanOrEqual(1.01);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
