import { type Batch, type Parameter, type Rng, type Task, type TaskOutput, collectModuleRngs } from '@tunekit/core';
import type { CausalLM } from '@tunekit/models';

/**
 * What every offline preference task shares (TRL's DPO, CPO, ORPO and KTO trainers): the policy
 * is the causal LM, dropout is off while training unless `disable_dropout: false`, and the loss of
 * a batch is traced from the completions' log-probs. Subclasses trace the loss.
 */
export abstract class OfflineTask implements Task {
  abstract readonly name: string;
  private readonly generators: ReadonlyMap<string, Rng>;

  constructor(
    readonly model: CausalLM,
    private readonly disableDropout: boolean,
  ) {
    this.generators = collectModuleRngs(model);
  }

  namedParameters(): Iterable<readonly [string, Parameter]> {
    return this.model.namedParameters();
  }

  rngs(): ReadonlyMap<string, Rng> {
    return this.generators;
  }

  setTraining(training: boolean): void {
    this.model.train(training && !this.disableDropout);
  }

  setGradientCheckpointing(enabled: boolean): void {
    this.model.setGradientCheckpointing(enabled);
  }

  abstract trace(batch: Batch): TaskOutput;
}
