import { globToRegExp, isGlob } from './glob-match.js';

/**
 * The files of a repository snapshot, wherever they live: the Hub's listing when online, a cached
 * snapshot folder when offline. `readText` may download (online) to look inside an index file.
 */
export interface RepoFiles {
  readonly paths: ReadonlySet<string>;
  readText(path: string): Promise<string>;
}

/** What a resolve must fetch, and what it needs but the repository (or cache) lacks. */
export interface FileChoice {
  files: string[];
  missing: string[];
}

/** Decides which files of a repository a resolve needs. */
export type FilePlan = (repo: RepoFiles) => Promise<FileChoice>;

export const SAFETENSORS_INDEX = 'model.safetensors.index.json';

/** Files a model folder may have that TuneKit reads when present; none is required. */
export const MODEL_OPTIONAL_FILES: readonly string[] = [
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
];

/** The shard files a `model.safetensors.index.json` names, each once, in first-mention order. */
export function shardsOfIndex(text: string, file: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const weightMap = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new Error(`${file}: weight_map must be an object of tensor name → shard file`);
  }
  const shards = Object.values(weightMap);
  const bad = shards.find((s) => typeof s !== 'string' || s.length === 0 || s.includes('..'));
  if (bad !== undefined) throw new Error(`${file}: weight_map holds an invalid shard file name ${JSON.stringify(bad)}`);
  return [...new Set(shards as string[])];
}

/**
 * A model as TuneKit loads it: config.json, the tokenizer and generation files that exist, and the
 * safetensors weights: through the index, only the shards it lists (repos such as Mistral's also
 * carry a `consolidated.safetensors` duplicate that must not be fetched), else every top-level
 * `.safetensors` file.
 */
export const modelFilePlan: FilePlan = async (repo) => {
  const files = ['config.json', ...MODEL_OPTIONAL_FILES.filter((f) => repo.paths.has(f))];
  const missing = repo.paths.has('config.json') ? [] : ['config.json'];
  if (repo.paths.has(SAFETENSORS_INDEX)) {
    const shards = shardsOfIndex(await repo.readText(SAFETENSORS_INDEX), SAFETENSORS_INDEX);
    files.push(SAFETENSORS_INDEX, ...shards);
    missing.push(...shards.filter((s) => !repo.paths.has(s)));
  } else {
    const weights = [...repo.paths].filter((p) => p.endsWith('.safetensors') && !p.includes('/')).sort();
    if (weights.length === 0) missing.push(`model.safetensors (or ${SAFETENSORS_INDEX} and its shards)`);
    files.push(...weights);
  }
  return { files: files.filter((f) => repo.paths.has(f)), missing };
};

/**
 * Files matching huggingface_hub-style `allow_patterns`. A plain name must exist; a glob must
 * match something, so a typo fails loudly instead of resolving to an empty folder.
 */
export function patternFilePlan(patterns: readonly string[]): FilePlan {
  return async (repo) => {
    const files = new Set<string>();
    const missing: string[] = [];
    for (const pattern of patterns) {
      const regex = globToRegExp(pattern);
      const matched = isGlob(pattern) ? [...repo.paths].filter((p) => regex.test(p)) : repo.paths.has(pattern) ? [pattern] : [];
      if (matched.length === 0) missing.push(isGlob(pattern) ? `${pattern} (no file matches)` : pattern);
      for (const file of matched) files.add(file);
    }
    return { files: [...files].sort(), missing };
  };
}
