import { homedir } from 'node:os';
import { join } from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

/** An environment variable counts as set only when it is not empty, as in huggingface_hub. */
const get = (env: Env, name: string): string | undefined => (env[name] === '' ? undefined : env[name]);

/**
 * Where huggingface_hub keeps its cache, first match wins. HUGGINGFACE_HUB_CACHE is the legacy name
 * of HF_HUB_CACHE; XDG_CACHE_HOME moves the default home as it does in huggingface_hub.constants.
 */
const CACHE_DIR_RULES: readonly ((env: Env) => string | undefined)[] = [
  (env) => get(env, 'HF_HUB_CACHE'),
  (env) => get(env, 'HUGGINGFACE_HUB_CACHE'),
  (env) => {
    const home = get(env, 'HF_HOME');
    return home === undefined ? undefined : join(home, 'hub');
  },
  (env) => {
    const xdg = get(env, 'XDG_CACHE_HOME');
    return xdg === undefined ? undefined : join(xdg, 'huggingface', 'hub');
  },
  () => join(homedir(), '.cache', 'huggingface', 'hub'),
];

/** Token variables by precedence (HUGGING_FACE_HUB_TOKEN is the legacy name). */
const TOKEN_VARIABLES = ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN'] as const;

/** huggingface_hub's `_is_true`. */
const TRUE_WORDS = new Set(['1', 'ON', 'YES', 'TRUE']);

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

export interface HubSettings {
  cacheDir: string;
  token: string | undefined;
  /** No network at all: answer from the cache or fail, listing what is missing. */
  offline: boolean;
  endpoint: string;
}

export interface HubSettingsOverrides {
  cacheDir?: string;
  token?: string;
  offline?: boolean;
  endpoint?: string;
}

export function hubCacheDir(env: Env = process.env): string {
  for (const rule of CACHE_DIR_RULES) {
    const dir = rule(env);
    if (dir !== undefined) return dir;
  }
  throw new Error('unreachable: the last cache rule always answers');
}

/** Explicit options first, then the environment variables huggingface_hub reads, then its defaults. */
export function hubSettings(overrides: HubSettingsOverrides = {}, env: Env = process.env): HubSettings {
  const offlineVariable = get(env, 'HF_HUB_OFFLINE');
  return {
    cacheDir: overrides.cacheDir ?? hubCacheDir(env),
    token: overrides.token ?? TOKEN_VARIABLES.map((name) => get(env, name)).find((t) => t !== undefined),
    offline: overrides.offline ?? (offlineVariable !== undefined && TRUE_WORDS.has(offlineVariable.toUpperCase())),
    endpoint: (overrides.endpoint ?? get(env, 'HF_ENDPOINT') ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, ''),
  };
}
