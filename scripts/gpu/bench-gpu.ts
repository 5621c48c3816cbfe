// `npm run bench:gpu`: the four LoRA training cases on the cuda executor, one JSON line
// each with tokens/s, peak device memory and the ratio to the peer (transformers + PEFT, bf16, on
// the same H200). Without a GPU every case prints its line with the reason and the run exits 0, so
// `npm run bench` stays usable on CPU machines.
//   --dtype f32|bf16   storage of the frozen base weights (default bf16, as the peer)
//   --steps N          timed steps per case after one warm-up step (default 3)
//   --case I           only the I-th case (0-based)
import { AdamW, HostTensor, Rng, Tensor, TrainStep } from '@tunekit/core';
import { createModel, parseModelConfig } from '@tunekit/models';
import { LoraModel, parseLoraConfig } from '@tunekit/peft-lora';
import { CudaUnavailableError, GEMM_WORKSPACE_BYTES, openCudaExecutor } from '@tunekit/kernels-cuda';
import { parseArgs } from 'node:util';
import { BENCH_CASES, type BenchCase, GOAL_RATIO, TARGET_RATIO } from './bench-models.js';

const { values } = parseArgs({ options: { dtype: { type: 'string', default: 'bf16' }, steps: { type: 'string', default: '3' }, case: { type: 'string' } } });
const dtype = values.dtype === 'f32' ? 'f32' : 'bf16';
const steps = Number(values.steps);
const GiB = 2 ** 30;
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

function line(c: BenchCase, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'gpu', case: c.name, target: TARGET_RATIO, goal: GOAL_RATIO, peerTokensPerSecond: c.peer.tokensPerSecond, peerPeakGiB: c.peer.peakGiB, ...fields }));
}

async function runCase(c: BenchCase): Promise<void> {
  const executor = openCudaExecutor();
  try {
    const t0 = performance.now();
    // Zero weights: the arithmetic, and so the speed and memory, do not depend on their values.
    const model = createModel(parseModelConfig(c.config as never), { dtype, empty: true });
    LoraModel.inject(model, parseLoraConfig({ r: 16, lora_alpha: 32, lora_dropout: 0, target_modules: c.targets }));
    model.setGradientCheckpointing(c.checkpointing);
    const params = model.trainableParameters();
    const optimizer = new AdamW(params, { lr: 1e-4, weightDecay: 0 });
    const step = new TrainStep(executor, params);
    const rng = new Rng(1);
    const vocab = (c.config.vocab_size as number) ?? 0;
    const ids = HostTensor.i64([c.batch, c.seq], Array.from({ length: c.batch * c.seq }, () => rng.int(vocab)));
    const trace = () => model.loss(Tensor.input('ids', [c.batch, c.seq], 'i64'), Tensor.input('labels', [c.batch, c.seq], 'i64'));
    const once = async () => {
      const { loss } = await step.run(trace, { ids, labels: ids });
      optimizer.step();
      optimizer.zeroGrad();
      return loss;
    };
    const firstLoss = await once();
    const setupSeconds = (performance.now() - t0) / 1000;
    const times: number[] = [];
    let loss = firstLoss;
    for (let s = 0; s < steps; s++) {
      const t = performance.now();
      loss = await once();
      times.push((performance.now() - t) / 1000);
    }
    times.sort((a, b) => a - b);
    const seconds = times[Math.floor(times.length / 2)];
    const tokensPerSecond = (c.batch * c.seq) / seconds;
    const stats = executor.session.allocator.stats();
    const peakGiB = (stats.peakReserved + GEMM_WORKSPACE_BYTES) / GiB;
    const ratio = tokensPerSecond / c.peer.tokensPerSecond;
    line(c, {
      tokensPerSecond: round(tokensPerSecond, 0), peakGiB: round(peakGiB), ratio: round(ratio, 3), memoryRatio: round(peakGiB / c.peer.peakGiB, 3),
      meetsTarget: ratio >= TARGET_RATIO && peakGiB <= c.peer.peakGiB, stepSeconds: round(seconds, 4), setupSeconds: round(setupSeconds, 1),
      firstLoss: round(firstLoss, 4), lastLoss: round(loss, 4), dtype, steps,
    });
  } finally {
    await executor.dispose();
  }
}

const cases = values.case === undefined ? BENCH_CASES : [BENCH_CASES[Number(values.case)]];
let failed = 0;
for (const c of cases) {
  try {
    await runCase(c);
  } catch (e) {
    if (e instanceof CudaUnavailableError) {
      for (const k of cases) line(k, { skipped: e.message });
      process.exit(0);
    }
    failed++;
    line(c, { error: (e as Error).message.split('\n')[0] });
  }
}
process.exit(failed ? 1 : 0);
