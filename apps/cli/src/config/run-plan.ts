import { describeBnbConfig } from '@tunekit/qlora';
import type { RunConfig } from './run-config.types.js';

/**
 * What `train --dry-run` prints: the resolved settings a run would use, one `key: value` per line,
 * then what was checked on disk (`checked` lines from checkRunInputs).
 */
export function describePlan(config: RunConfig, checked: readonly string[] = []): string {
  const t = config.training;
  const length = t.max_steps > 0 ? `${t.max_steps} steps` : `${t.num_train_epochs} epochs`;
  const d = config.data;
  const rows: [string, unknown][] = [
    ['config', `${config.file} (valid)`],
    ['model', `${config.model.path}${config.model.revision ? `@${config.model.revision}` : ''} (${config.model.dtype})`],
    ['task', config.taskConfig === null ? config.task : `${config.task} ${JSON.stringify(config.taskConfig)}`],
    ['executor', config.executor],
    ['method', config.methodConfig === null ? config.method : `${config.method} ${JSON.stringify(config.methodConfig)}`],
    ['quantized', config.quantization ? `${describeBnbConfig(config.quantization)} (while loading; ${config.method} trains on top)` : 'none'],
    ['data', `${JSON.stringify(d.path)} format ${d.format}, max_length ${d.max_length}${d.packing ? ', packed' : ''}, validation ${d.validation_path ? JSON.stringify(d.validation_path) : d.validation_split}`],
    ['training', `${length}, batch ${t.per_device_train_batch_size} x ${t.gradient_accumulation_steps}, lr ${t.learning_rate} (${t.lr_scheduler_type}), optim ${t.optim}, seed ${t.seed}`],
    ['output_dir', t.output_dir],
    ['evaluation', config.evaluation ? `${config.evaluation.metric} on ${config.evaluation.path}` : 'none'],
    ['samples', config.samples.length],
    ['plugins', config.plugins.length ? config.plugins.join(', ') : 'none'],
  ];
  for (const line of checked) rows.push(['checked', line]);
  return [...rows.map(([k, v]) => `${k.padEnd(10)} ${v}`), 'dry run: no weights were loaded and nothing was trained'].join('\n');
}
