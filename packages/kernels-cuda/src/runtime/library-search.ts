import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

/**
 * Where CUDA's shared libraries are looked for, in order, as labelled groups so that a failure can
 * say where it looked. The dynamic loader (dlopen of the bare soname: LD_LIBRARY_PATH, ld.so.cache,
 * the system folders) is a group without folders.
 */
export interface SearchGroup {
  readonly label: string;
  /** Folders to try, in order; null for "ask the dynamic loader by soname". */
  readonly dirs: readonly string[] | null;
}

/** What the search reads from the machine; injectable so specs can point it at temp folders. */
export interface SearchContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Roots holding `cuda` / `cuda-X.Y` toolkit folders (`/usr/local` on Linux). */
  readonly toolkitRoots: readonly string[];
  /** Python site-packages folders, where pip's `nvidia-*` wheels put `nvidia/<name>/lib`. */
  readonly sitePackages: () => readonly string[];
}

/** The sub-folders of a toolkit prefix that hold libraries (`compat` holds the forward-compatible driver). */
const TOOLKIT_LIB_DIRS = ['lib64', 'lib', 'targets/x86_64-linux/lib', 'compat'];
/** Environment variables naming a toolkit prefix, as NVIDIA's tools and PyTorch read them. */
const TOOLKIT_ENV = ['CUDA_HOME', 'CUDA_PATH'];

const subdirs = (dir: string): string[] => {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() || e.isSymbolicLink())
      .map((e) => e.name);
  } catch {
    return [];
  }
};

/** `cuda`, then `cuda-13.0`, `cuda-12.8`, …: newest version first. */
function toolkitDirs(root: string): string[] {
  const version = (name: string) => name.slice(5).split('.').map(Number);
  const versioned = subdirs(root)
    .filter((n) => /^cuda-\d+(\.\d+)*$/.test(n))
    .sort((a, b) => {
      const [x, y] = [version(a), version(b)];
      for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
      return 0;
    });
  return [...(existsSync(join(root, 'cuda')) ? ['cuda'] : []), ...versioned].map((n) => join(root, n));
}

const libDirsOf = (prefix: string): string[] => TOOLKIT_LIB_DIRS.map((d) => join(prefix, d));

/** The `nvidia/<wheel>/lib` folders of every site-packages folder (nvidia-cuda-nvrtc-cu12 → nvidia/cuda_nvrtc/lib, CUDA 13's → nvidia/cu13/lib). */
function wheelDirs(sitePackages: readonly string[]): string[] {
  return sitePackages.flatMap((sp) => subdirs(join(sp, 'nvidia')).sort().map((w) => join(sp, 'nvidia', w, 'lib')));
}

/** The search, in the order: CUDA_HOME/CUDA_PATH, /usr/local/cuda*, the dynamic loader, pip wheels. */
export function searchGroups(ctx: SearchContext): SearchGroup[] {
  const named = TOOLKIT_ENV.filter((v) => ctx.env[v]);
  const toolkits = ctx.toolkitRoots.flatMap(toolkitDirs);
  const wheels = wheelDirs(ctx.sitePackages());
  const roots = ctx.toolkitRoots.map((r) => join(r, 'cuda*')).join(', ');
  return [
    { label: named.length ? named.map((v) => `${v}=${ctx.env[v]}`).join(', ') : 'CUDA_HOME (unset)', dirs: named.flatMap((v) => libDirsOf(ctx.env[v] as string)) },
    { label: toolkits.length ? roots : `${roots} (none there)`, dirs: toolkits.flatMap(libDirsOf) },
    { label: 'the dynamic loader (LD_LIBRARY_PATH, ld.so.cache)', dirs: null },
    { label: `pip's nvidia-* wheels (site-packages/nvidia/*/lib${wheels.length ? '' : ': none installed'})`, dirs: wheels },
  ];
}

/** Site-packages folders: the active virtualenv or conda prefix, the user's, and what `python3` itself reports. */
function pythonSitePackages(env: SearchContext['env']): string[] {
  const prefixes = [env.VIRTUAL_ENV, env.CONDA_PREFIX, join(homedir(), '.local'), '/usr/local', '/usr'].filter((p): p is string => !!p);
  const globbed = prefixes.flatMap((p) =>
    subdirs(join(p, 'lib'))
      .filter((n) => /^python3(\.\d+)?$/.test(n))
      .flatMap((n) => ['site-packages', 'dist-packages'].map((s) => join(p, 'lib', n, s))),
  );
  const python = spawnSync('python3', ['-c', 'import site,sys;print("\\n".join(site.getsitepackages()+[site.getusersitepackages()]))'], { encoding: 'utf8', timeout: 5000 });
  const reported = python.status === 0 ? python.stdout.split('\n').filter(Boolean) : [];
  return [...new Set([...globbed, ...reported])].filter((d) => existsSync(d));
}

/** The search on this machine, from its environment. */
export function machineSearchContext(env: SearchContext['env'] = process.env): SearchContext {
  let sites: string[] | null = null;
  return { env, toolkitRoots: ['/usr/local'], sitePackages: () => (sites ??= pythonSitePackages(env)) };
}
