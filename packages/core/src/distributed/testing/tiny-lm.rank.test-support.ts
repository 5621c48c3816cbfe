// A rank of the data parallel specs: full fine-tuning of the trainer's tiny LM (no dropout).
import { CausalLmTask } from '../../trainer/causal-lm.task.js';
import { tinyLm } from '../../trainer/trainer.test-support.js';
import { type RunSpec, runRank } from './data-parallel-run.test-support.js';

await runRank(JSON.parse(process.argv[2]) as RunSpec, new CausalLmTask(tinyLm(0)));
