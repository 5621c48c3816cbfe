/**
 * `npm run bench:ddp`: data parallel training steps of a SmolLM2-135M-shaped random model (LoRA r=16
 * on q_proj/v_proj, and full fine-tuning with AdamW) on 256-token rows, global batch 2 rows:
 * one process with 2 ORT threads against 2 MPI ranks (`mpirun -np 2`) with one thread and one row
 * each, plain and under ZeRO-1 and ZeRO-2. Each rank prints one JSON line: global tokens/s, the
 * time of the gradient all-reduce (or reduce-scatter) and of the ZeRO weight all-gather, and the
 * optimizer state it holds. Skipped with a message when mpirun is absent.
 */
import { spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { AdamW, DataParallel, HostTensor, OrtExecutor, Rng, Tensor, TrainStep, type ZeroStage, openCollectives } from '@tunekit/core';
import { type CausalLM, createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { LoraModel, parseLoraConfig } from '@tunekit/peft-lora';

const TOKENS = 256;
const GLOBAL_ROWS = 2;
const STEPS = 3;
const METHODS = { lora: { r: 16, lora_alpha: 32, target_modules: ['q_proj', 'v_proj'] }, full: null } as const;
type Method = keyof typeof METHODS;

interface Case {
  method: Method;
  ranks: 1 | 2;
  zero: ZeroStage;
}

const CASES: Case[] = (['lora', 'full'] as const).flatMap((method) => [
  { method, ranks: 1, zero: 0 },
  { method, ranks: 2, zero: 0 },
  { method, ranks: 2, zero: 1 },
  { method, ranks: 2, zero: 2 },
]);

async function runRank({ method, ranks, zero }: Case): Promise<void> {
  const comm = openCollectives();
  const config = parseModelConfig(tinyConfigJson({ preset: 'smollm2-135m' }));
  const model: CausalLM = createModel(config, { seed: 0 }).nameParameters();
  const lora = METHODS[method];
  if (lora) LoraModel.inject(model, parseLoraConfig(lora));
  const named = model.namedParameters().filter(([, p]) => p.requiresGrad);
  const params = named.map(([, p]) => p);
  const executor = new OrtExecutor({ threads: ranks === 1 ? 2 : 1 });
  const step = new TrainStep(executor, params);
  const optimizer = new AdamW(params, { lr: 1e-4, weightDecay: 0 });
  const parallel = new DataParallel(comm, named, { zeroStage: zero, bucketBytes: 25 * 2 ** 20 });
  const rows = GLOBAL_ROWS / comm.size;
  const rng = new Rng(1 + comm.rank);
  const ids = HostTensor.i64([rows, TOKENS], Array.from({ length: rows * TOKENS }, () => rng.int(config.vocab)));
  const timed = { step: [] as number[], reduce: [] as number[], update: [] as number[] };
  for (let i = 0; i <= STEPS; i++) {
    const t0 = performance.now();
    await step.run(() => {
      const input = Tensor.input('input_ids', [rows, TOKENS], 'i64');
      return model.loss(input, input);
    }, { input_ids: ids });
    const t1 = performance.now();
    await parallel.reduceGradients();
    const t2 = performance.now();
    await parallel.clipGradNorm(1);
    await parallel.step(optimizer);
    optimizer.zeroGrad();
    const t3 = performance.now();
    // The first step compiles the program.
    if (i === 0) continue;
    timed.step.push(t3 - t0);
    timed.reduce.push(t2 - t1);
    timed.update.push(t3 - t2);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ms = median(timed.step);
  console.log(
    JSON.stringify({
      bench: 'ddp',
      case: `smollm2-135m ${method} T=${TOKENS} global batch ${GLOBAL_ROWS}, ${ranks === 1 ? '1 process x 2 threads' : `2 ranks x 1 thread, zero_stage ${zero}`}`,
      rank: comm.rank,
      tokens_per_s: Math.round(((GLOBAL_ROWS * TOKENS) / ms) * 10000) / 10,
      step_ms: Math.round(ms),
      reduce_gradients_ms: Math.round(median(timed.reduce)),
      optimizer_update_ms: Math.round(median(timed.update)),
      optimizer_state_mib: Math.round((DataParallel.optimizerBytes(optimizer) / 2 ** 20) * 10) / 10,
      trainable_params: params.reduce((s, p) => s + p.size, 0),
      peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
  await executor.dispose();
  await comm.close();
}

const only = process.argv[2];
if (only) {
  await runRank(JSON.parse(only) as Case);
} else if (spawnSync('sh', ['-c', 'command -v mpirun']).status !== 0) {
  console.log('bench:ddp skipped: no mpirun on PATH (apt-get install openmpi-bin libopenmpi-dev)');
} else {
  const self = [...process.execArgv, fileURLToPath(import.meta.url)];
  const root = userInfo().uid === 0 ? ['--allow-run-as-root'] : [];
  for (const c of CASES) {
    const argv = [...self, JSON.stringify(c)];
    const r = c.ranks === 1 ? spawnSync(process.execPath, argv, { stdio: 'inherit' }) : spawnSync('mpirun', ['-np', '2', ...root, '--oversubscribe', process.execPath, ...argv], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
}
