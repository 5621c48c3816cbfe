import { join } from 'node:path';
import { type Batch, type HostTensor, type ModelCheckpointer, Rng, SafetensorsFile, type TrainDataSource, mixSeed, writeSafetensors } from '@tunekit/core';
import type { PromptRecord } from '@tunekit/data';

/** How rollouts map onto the trainer's micro-batches (TRL's generation batch). */
export interface GenerationPlan {
  /** Completions per micro-batch: `per_device_train_batch_size`, counted in completions as TRL counts it. */
  readonly completionsPerBatch: number;
  /** Micro-batches one rollout is split into. */
  readonly stepsPerGeneration: number;
  /** Passes over each rollout before the next is sampled. */
  readonly numIterations: number;
  readonly numGenerations: number;
  /** TRL's shuffle_dataset: a fresh order of the prompts each epoch (true unless set false). */
  readonly shuffle?: boolean;
}

/** Where a rollout sits in the run: the epoch over the prompts and the rollout's index in it. */
export interface RolloutPlace {
  readonly epoch: number;
  readonly generation: number;
}

/** Samples completions of `prompts` with the sampler seeded by `seed` and returns the rollout's micro-batches. */
export type ProduceRollout = (prompts: readonly PromptRecord[], seed: number, place: RolloutPlace) => Promise<Batch[]>;

/** The prompts one rollout covers: generation batch ÷ completions per prompt. */
export function promptsPerGeneration(plan: GenerationPlan): number {
  const completions = plan.completionsPerBatch * plan.stepsPerGeneration;
  if (completions % plan.numGenerations !== 0) {
    throw new Error(
      `online training: the generation batch (per_device_train_batch_size ${plan.completionsPerBatch} × steps_per_generation ${plan.stepsPerGeneration} = ${completions} completions) is not a multiple of num_generations ${plan.numGenerations}`,
    );
  }
  return completions / plan.numGenerations;
}

interface Buffer {
  readonly epoch: number;
  readonly generation: number;
  readonly batches: Batch[];
}

const BUFFER_FILE = 'rollout_buffer.safetensors';

/**
 * The trainer's data source for online methods: each batch comes from a rollout of the current
 * policy. A rollout covers `promptsPerGeneration` prompts (taken in an order that is a pure function
 * of the seed and the epoch) and fills `stepsPerGeneration` micro-batches, served `numIterations`
 * times. The sampler's seed is drawn from `rng`, which the task lists among its generators, so a
 * checkpoint saves it; the buffer being served is saved beside it (see `checkpointer`), so a run
 * resumed mid-buffer continues with the very completions it stopped on.
 */
export class RolloutDataSource implements TrainDataSource {
  readonly batchSize: number;
  /** The sampler's generator: one draw per rollout. */
  readonly rng = new Rng(0);
  private buffer: Buffer | null = null;
  private readonly perGeneration: number;

  constructor(
    private readonly prompts: readonly PromptRecord[],
    private readonly plan: GenerationPlan,
    private readonly produce: ProduceRollout,
    private readonly seed: number,
  ) {
    this.batchSize = plan.completionsPerBatch;
    this.perGeneration = promptsPerGeneration(plan);
    if (prompts.length < this.perGeneration) throw new Error(`online training: ${prompts.length} prompts, but one rollout needs ${this.perGeneration}`);
  }

  private get span(): number {
    return this.plan.stepsPerGeneration * this.plan.numIterations;
  }

  numBatches(): number {
    return Math.floor(this.prompts.length / this.perGeneration) * this.span;
  }

  /** TRL's RepeatSampler: with shuffle_dataset a fresh permutation of the prompts each epoch, else the file's order. */
  private order(epoch: number): number[] {
    const order = this.prompts.map((_, i) => i);
    return this.plan.shuffle === false ? order : new Rng(mixSeed(this.seed, epoch)).shuffle(order);
  }

  async batch(epoch: number, index: number): Promise<Batch> {
    const generation = Math.floor(index / this.span);
    if (this.buffer?.epoch !== epoch || this.buffer.generation !== generation) {
      const picked = this.order(epoch).slice(generation * this.perGeneration, (generation + 1) * this.perGeneration);
      const batches = await this.produce(
        picked.map((i) => this.prompts[i]),
        this.rng.nextU32(),
        { epoch, generation },
      );
      // One list served every pass, or one per pass (PPO shuffles the rollout afresh each epoch).
      if (batches.length !== this.plan.stepsPerGeneration && batches.length !== this.span) {
        throw new Error(`online training: a rollout gave ${batches.length} micro-batches, expected ${this.plan.stepsPerGeneration}`);
      }
      this.buffer = { epoch, generation, batches };
    }
    return this.buffer.batches[index % this.buffer.batches.length];
  }

  /** Wraps a model checkpointer so each checkpoint also holds the buffer being served. */
  checkpointer(inner: ModelCheckpointer): ModelCheckpointer {
    return {
      save: async (dir) => {
        await inner.save(dir);
        if (this.buffer) await saveBuffer(join(dir, BUFFER_FILE), this.buffer);
      },
      load: async (dir) => {
        await inner.load(dir);
        this.buffer = await loadBuffer(join(dir, BUFFER_FILE));
      },
    };
  }
}

async function saveBuffer(path: string, buffer: Buffer): Promise<void> {
  const tensors = new Map<string, HostTensor>();
  buffer.batches.forEach((b, k) => Object.entries(b.tensors).forEach(([name, t]) => tensors.set(`${k}/${name}`, t)));
  const tokens = JSON.stringify(buffer.batches.map((b) => b.tokens));
  await writeSafetensors(path, tensors, { epoch: String(buffer.epoch), generation: String(buffer.generation), tokens });
}

async function loadBuffer(path: string): Promise<Buffer | null> {
  let file: SafetensorsFile;
  try {
    file = await SafetensorsFile.open(path);
  } catch (e) {
    // A checkpoint saved before the first rollout (or by a run that never sampled) has none.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const tokens = JSON.parse(file.metadata.tokens ?? '[]') as number[];
    const batches: { tensors: Record<string, HostTensor>; tokens: number }[] = tokens.map((t) => ({ tensors: {}, tokens: t }));
    for (const name of file.names()) {
      const [k, feed] = [Number(name.slice(0, name.indexOf('/'))), name.slice(name.indexOf('/') + 1)];
      if (!batches[k]) throw new Error(`${path}: tensor ${name} belongs to no micro-batch`);
      batches[k].tensors[feed] = await file.read(name);
    }
    return { epoch: Number(file.metadata.epoch), generation: Number(file.metadata.generation), batches };
  } finally {
    await file.close();
  }
}
