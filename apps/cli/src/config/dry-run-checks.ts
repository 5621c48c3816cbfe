import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonObject } from '@tunekit/core';
import { previewDataset, resolveDataFiles } from '@tunekit/data';
import { parseModelConfig, resolveDataset, resolveModel } from '@tunekit/models';
import { CliError } from '../cli-error.js';
import type { RunConfig } from './run-config.types.js';

/** How many rows of each data file a dry run parses: enough to catch a wrong format or mapping. */
export const DRY_RUN_ROWS = 5;

/**
 * What `train --dry-run` proves beyond the config's own shape, without loading a weight or
 * tokenizing a row: the model folder (or the cached Hub snapshot) has a config.json that parses,
 * every data, evaluation and checkpoint path exists, and the first rows of each data file parse in
 * the format. Returns one `checked ...` line each; the first failure is a one-line CliError.
 */
export async function checkRunInputs(config: RunConfig, opts: { taskReadsData?: boolean } = {}): Promise<string[]> {
  const lines = [await checkModel(config)];
  const resolve = { cwd: config.baseDir, resolveHubFiles: hubFiles };
  if (opts.taskReadsData) {
    // A task with its own data pipeline (preference pairs, prompts) reads its rows itself: the paths must exist.
    const paths = [config.data.path, config.data.validation_path].flatMap((p) => (p === undefined ? [] : typeof p === 'string' ? [p] : [...p]));
    const files = await resolveDataFiles(paths, resolve).catch(userError('data'));
    lines.push(`data: ${files.map((f) => f.displayName).join(', ')} (read by the ${config.task} task when the run starts)`);
  } else {
    const data = await previewDataset(config.data, DRY_RUN_ROWS, resolve).catch(userError('data'));
    lines.push(`data: ${data.files.join(', ')} (the first ${DRY_RUN_ROWS} rows of each parse as ${data.format})`);
  }
  if (config.evaluation) {
    const evaluation = await previewDataset({ path: config.evaluation.path }, DRY_RUN_ROWS).catch(userError('evaluation'));
    lines.push(`evaluation: ${evaluation.files.join(', ')} (the first ${DRY_RUN_ROWS} rows parse as ${evaluation.format})`);
  }
  const resume = config.training.resume_from_checkpoint;
  if (typeof resume === 'string') {
    if (!existsSync(resume)) throw new CliError(`training.resume_from_checkpoint: ${resume} does not exist`);
    lines.push(`resume_from_checkpoint: ${resume} exists`);
  }
  return lines;
}

const hubFiles = (ref: { repo: string; revision?: string; pattern: string }): Promise<string> =>
  resolveDataset(ref.repo, { offline: true, allowPatterns: [ref.pattern], ...(ref.revision ? { revision: ref.revision } : {}) });

const userError =
  (section: string) =>
  (e: unknown): never => {
    throw new CliError(`${section}: ${(e as Error).message}`);
  };

async function checkModel(config: RunConfig): Promise<string> {
  const { path, revision } = config.model;
  // A Hub id is looked up in the local cache only: a dry run never downloads.
  const dir = await resolveModel(path, { offline: true, ...(revision ? { revision } : {}) }).catch((e: Error) => {
    if (existsSync(path) || path.startsWith('/') || path.startsWith('.')) throw new CliError(`model: ${e.message}`);
    return null;
  });
  if (dir === null) return `model: ${path} is no folder under ${config.baseDir} and not in the Hub cache; the run would download it from the Hub`;
  const file = join(dir, 'config.json');
  const raw = await readJsonObject(file).catch(userError('model'));
  let parsed;
  try {
    parsed = parseModelConfig(raw, file);
  } catch (e) {
    throw new CliError(`model: ${(e as Error).message}`);
  }
  return `model: ${file} parses (${parsed.modelType}, ${parsed.layers} layers, hidden ${parsed.hidden}, vocab ${parsed.vocab})`;
}
