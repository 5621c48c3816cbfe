import { type Batch, type CausalLmModel, F, type HostTensor, IGNORE_INDEX, type Rng, Tensor, type Task, type TaskOutput, type TaskProvider, collectModuleRngs } from '@tunekit/core';
import type { CausalLM } from '@tunekit/models';

export const SMOOTHED_SFT = 'smoothed_sft';

export interface SmoothedSftConfig {
  /** ε of transformers' `label_smoothing_factor`: the weight of the uniform target (default 0.1). */
  readonly label_smoothing: number;
}

export function parseSmoothedSftConfig(raw: Record<string, unknown>): SmoothedSftConfig {
  for (const key of Object.keys(raw)) if (key !== 'label_smoothing') throw new Error(`smoothed_sft config: unknown option "${key}" (smoothed_sft takes: label_smoothing)`);
  const epsilon = raw.label_smoothing ?? 0.1;
  if (typeof epsilon !== 'number' || !(epsilon >= 0 && epsilon < 1)) throw new Error(`smoothed_sft config: label_smoothing: expected a number in [0, 1), got ${JSON.stringify(raw.label_smoothing)}`);
  return { label_smoothing: epsilon };
}

const input = (name: string, t: HostTensor): Tensor => Tensor.input(name, t.shape, t.dtype);

/**
 * SFT with label smoothing, as transformers' LabelSmoother computes it: over the scored tokens,
 * `(1 - ε) · NLL + ε · mean over the vocabulary of -log p`. Labels are shifted here (position t
 * predicts token t + 1), so it needs the model's logits, not its built-in loss.
 */
export class SmoothedSftTask implements Task {
  readonly name = SMOOTHED_SFT;
  private readonly generators: ReadonlyMap<string, Rng>;

  constructor(
    readonly model: CausalLM,
    readonly config: SmoothedSftConfig,
  ) {
    this.generators = collectModuleRngs(model);
  }

  namedParameters() {
    return this.model.namedParameters();
  }

  rngs(): ReadonlyMap<string, Rng> {
    return this.generators;
  }

  setTraining(training: boolean): void {
    this.model.train(training);
  }

  setGradientCheckpointing(enabled: boolean): void {
    this.model.setGradientCheckpointing(enabled);
  }

  trace(batch: Batch): TaskOutput {
    const { input_ids: ids, labels, attention_mask: mask, position_ids: positions } = batch.tensors;
    if (!ids || !labels) throw new Error(`${this.name} task: a batch needs input_ids and labels, got [${Object.keys(batch.tensors).join(', ')}]`);
    const { logits } = this.model.call(input('input_ids', ids), {
      ...(mask ? { attentionMask: input('attention_mask', mask) } : {}),
      ...(positions ? { positionIds: input('position_ids', positions) } : {}),
    });
    const shifted = input('labels', labels).slice(1, 1).pad([[0, 0], [0, 1]], IGNORE_INDEX);
    const nll = F.crossEntropy(logits, shifted, { ignoreIndex: IGNORE_INDEX });
    // Per position, the mean over the vocabulary of -log p = logsumexp(z) - mean(z).
    const uniform = logits.logsumexp(-1).sub(logits.mean(-1));
    const scored = shifted.ne(IGNORE_INDEX).float();
    const smooth = uniform.mul(scored).sum().div(scored.sum());
    const eps = this.config.label_smoothing;
    return { loss: nll.mul(1 - eps).add(smooth.mul(eps)), weight: scoredTokens(labels), metrics: { nll } };
  }

  /** Perplexity of the unsmoothed loss: what the model's predictions are worth, not the training target. */
  derivedMetrics(means: Readonly<Record<string, number>>): Record<string, number> {
    return { perplexity: Math.exp(means.nll) };
  }
}

/** Labels scored after the shift: every row's first label predicts nothing. */
function scoredTokens(labels: HostTensor): number {
  const data = labels.data as ArrayLike<number | bigint>;
  const width = labels.shape[labels.shape.length - 1];
  let n = 0;
  for (let i = 0; i < data.length; i++) if (i % width !== 0 && Number(data[i]) !== IGNORE_INDEX) n++;
  return n;
}

/** `task: smoothed_sft` with an optional `smoothed_sft: { label_smoothing: 0.1 }` section. */
export const SMOOTHED_SFT_TASK: TaskProvider<SmoothedSftConfig> = {
  name: SMOOTHED_SFT,
  defaultMethod: 'lora',
  dataDefaults: {},
  parseConfig: parseSmoothedSftConfig,
  // The CLI hands a task its @tunekit/models causal LM; this task needs its logits.
  create: (model: CausalLmModel, config) => new SmoothedSftTask(model as unknown as CausalLM, config),
};
