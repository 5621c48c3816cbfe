/**
 * `npm run bench:checkpointing`: what gradient checkpointing buys. A 12-layer SmolLM2-135M-shaped
 * model (vocab cut to 4096 so the layers dominate), batch 2 × 512 tokens, training q_proj only;
 * each case in its own process so peak RSS is its own.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HostTensor, OrtExecutor, Rng, Tensor, TrainStep } from '@tunekit/core';
import { createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';

const [B, T] = [2, 512];

async function runCase(checkpointing: boolean): Promise<void> {
  const config = parseModelConfig(tinyConfigJson({ preset: 'smollm2-135m', layers: 12, vocab: 4096 }));
  const model = createModel(config, { seed: 0 });
  model.freeze();
  model.unfreeze((n) => n.includes('q_proj'));
  model.setGradientCheckpointing(checkpointing);
  const executor = new OrtExecutor();
  const step = new TrainStep(executor, model.trainableParameters());
  const rng = new Rng(1);
  const ids = HostTensor.i64([B, T], Array.from({ length: B * T }, () => rng.int(config.vocab)));
  const weightsMib = process.resourceUsage().maxRSS / 1024;
  const times: number[] = [];
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    await step.run(() => {
      const x = Tensor.input('input_ids', [B, T], 'i64');
      return model.loss(x, x);
    }, { input_ids: ids });
    times.push(performance.now() - t0);
  }
  const ms = Math.min(...times.slice(1));
  const peak = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({
      bench: 'checkpointing',
      case: `smollm2-135m dims, 12 layers, ${B}x${T}, gradient_checkpointing=${checkpointing}`,
      tokens_per_s: Math.round(((B * T) / ms) * 1000),
      ms: Math.round(ms),
      peak_rss_mib: Math.round(peak),
      activations_mib: Math.round(peak - weightsMib),
    }),
  );
  await executor.dispose();
}

const arg = process.argv[2];
if (arg) await runCase(arg === 'on');
else {
  const self = fileURLToPath(import.meta.url);
  for (const c of ['off', 'on']) {
    const r = spawnSync(process.execPath, [...process.execArgv, self, c], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
}
