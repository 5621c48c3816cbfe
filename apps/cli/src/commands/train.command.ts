import { inject, injectable } from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../cli-error.js';
import { readConfigDocument } from '../config/config-document.js';
import { parsePlugins, parseRunConfig } from '../config/run-config.js';
import { checkRunInputs } from '../config/dry-run-checks.js';
import { describePlan } from '../config/run-plan.js';
import { EXECUTOR_CHOICE, ROOT_CONTAINER } from '../tokens.js';
import type { ExecutorChoice } from '../executor-choice.js';
import { EXECUTOR } from '@tunekit/core';
import { buildRunContainer, registries } from '../training/run-container.js';
import { runTraining } from '../training/train-run.js';
import { withCollectives } from '../training/collectives-scope.js';
import { launchRanks } from '../training/launch-ranks.js';
import type { Command } from './command.interface.js';

const USAGE = 'tunekit train CONFIG.yaml [--set key.path=value ...] [--dry-run] [--nproc N]';

/** `tunekit train`: one YAML file (model, method, data, training arguments) to a trained adapter or model. */
@injectable()
export class TrainCommand implements Command {
  readonly name = 'train';
  readonly summary = 'Fine-tune a model as a YAML config describes (LoRA or full, SFT or pretraining)';
  readonly usage = [
    USAGE,
    '',
    '  --set key.path=value  Override a config value (YAML-typed: 1e-4, true, [q_proj, v_proj]); repeatable',
    '  --dry-run             Validate the config, check that the model and data paths exist and their first rows parse, and print the plan; loads no weights',
    '  --nproc N             Train as N data parallel processes on this machine (runs mpirun; under mpirun or srun leave it out)',
    '',
    'Write an example config with `tunekit init`.',
  ].join('\n');

  constructor(
    @inject(ROOT_CONTAINER) private readonly root: DependencyContainer,
    @inject(EXECUTOR_CHOICE) private readonly executors: ExecutorChoice,
  ) {}

  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { set: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean' }, nproc: { type: 'string' } }, USAGE);
    if (values.nproc !== undefined && !values['dry-run']) return launchRanks(values.nproc, argv);
    if (positionals.length !== 1) throw new UsageError(`expected one config file, got ${positionals.length}; usage: ${USAGE}`);
    const doc = await readConfigDocument(positionals[0], values.set ?? []);
    // Plugins first: they may register the methods (and their option sections) the rest of the file uses.
    const plugins = parsePlugins(doc.raw, doc.locate);
    const container = await buildRunContainer(this.root, plugins, { baseDir: doc.baseDir, progressOutput: process.stderr });
    const registered = registries(container);
    const config = parseRunConfig(doc.raw, { ...doc, ...registered });
    for (const line of config.warnings) console.error(`warning: ${line}`);
    if (values['dry-run']) {
      const checked = await checkRunInputs(config, { taskReadsData: registered.tasks.get(config.task)?.loadData !== undefined });
      console.log(describePlan({ ...config, executor: this.executors.name(config.executor) }, checked));
      return 0;
    }
    return withCollectives(container, () => {
      container.register(EXECUTOR, { useValue: this.executors.create(container, config.executor) });
      return runTraining(config, container);
    });
  }
}
