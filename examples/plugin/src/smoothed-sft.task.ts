import { type Batch, type CausalLmModel, CausalLmTask, ConfigFieldError, F, type FieldTable, checkFields, checks, checksOf, defaultsOf, optionLine, withDefaults, type HostTensor, IGNORE_INDEX, Tensor, type TaskOutput, type TaskProvider, lossTokens } from '@tunekit/core';
import type { CausalLM } from '@tunekit/models';

export const SMOOTHED_SFT = 'smoothed_sft';

export interface SmoothedSftConfig {
  /** ε of transformers' `label_smoothing_factor`: the weight of the uniform target (default 0.1). */
  readonly label_smoothing: number;
}

const FIELDS: FieldTable<SmoothedSftConfig> = {
  label_smoothing: { check: checks.range({ min: 0, below: 1 }, 'a number in [0, 1)'), default: 0.1 },
};

/** Validates the `smoothed_sft:` section with the core config kit: its errors carry key paths, which the CLI points at lines. */
export function parseSmoothedSftConfig(raw: Record<string, unknown>): SmoothedSftConfig {
  const { problems } = checkFields(raw, checksOf(FIELDS));
  if (problems.length) throw new ConfigFieldError('smoothed_sft config', problems, problems.map((p) => optionLine('smoothed_sft config', p)).join('\n'));
  return withDefaults(defaultsOf(FIELDS), raw);
}

const input = (name: string, t: HostTensor): Tensor => Tensor.input(name, t.shape, t.dtype);

/**
 * SFT with label smoothing, as transformers' LabelSmoother computes it: over the scored tokens,
 * `(1 - ε) · NLL + ε · mean over the vocabulary of -log p`. Labels are shifted here (position t
 * predicts token t + 1), so it needs the model's logits, not its built-in loss; the rest (parameters,
 * dropout generators, train mode) is the causal-LM task's.
 */
export class SmoothedSftTask extends CausalLmTask {
  override readonly name = SMOOTHED_SFT;

  constructor(
    readonly lm: CausalLM,
    readonly config: SmoothedSftConfig,
  ) {
    super(lm, { labelsShiftedInside: true });
  }

  override trace(batch: Batch): TaskOutput {
    const { input_ids: ids, labels, attention_mask: mask, position_ids: positions } = batch.tensors;
    if (!ids || !labels) throw new Error(`${this.name} task: a batch needs input_ids and labels, got [${Object.keys(batch.tensors).join(', ')}]`);
    const { logits } = this.lm.call(input('input_ids', ids), {
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
    return { loss: nll.mul(1 - eps).add(smooth.mul(eps)), weight: lossTokens(labels, true), metrics: { nll } };
  }

  /** Perplexity of the unsmoothed loss: what the model's predictions are worth, not the training target. */
  override derivedMetrics(means: Readonly<Record<string, number>>): Record<string, number> {
    return { perplexity: Math.exp(means.nll) };
  }
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
