import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CUDA_LIBRARIES, CudaUnavailableError, openCudaLibraries } from './cuda-libraries.js';
import { type LibrarySpec, locateLibrary } from './library-load.js';
import { type SearchContext, machineSearchContext, searchGroups } from './library-search.js';

/** A real shared library of this machine, linked under CUDA's names: dlopen does not look at the soname, so it opens. */
const REAL_LIBRARY = '/lib/x86_64-linux-gnu/libm.so.6';
const root = mkdtempSync(join(tmpdir(), 'tunekit-cuda-search-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh folder tree under the spec's temp root. */
function tree(files: Record<string, 'real' | 'junk'>): string {
  const dir = join(root, `t${n++}`);
  for (const [path, kind] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    if (kind === 'real') symlinkSync(REAL_LIBRARY, join(dir, path));
    else writeFileSync(join(dir, path), 'not an ELF file');
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

const context = (env: Record<string, string>, toolkitRoots: string[] = [], sites: string[] = []): SearchContext => ({ env, toolkitRoots, sitePackages: () => sites });

describe('searchGroups', () => {
  it('looks in CUDA_HOME/CUDA_PATH, then cuda and cuda-X.Y under the toolkit roots (newest first), then the dynamic loader, then pip nvidia-* wheels', () => {
    const local = tree({ 'cuda-12.4/lib64/x': 'junk', 'cuda-13.0/lib64/x': 'junk', 'cuda-12.10/lib64/x': 'junk', 'cuda/lib64/x': 'junk', 'cudnn/x': 'junk' });
    const site = tree({ 'nvidia/cuda_nvrtc/lib/x': 'junk', 'nvidia/cublas/lib/x': 'junk' });
    const groups = searchGroups(context({ CUDA_HOME: '/opt/cuda' }, [local], [site]));
    expect(groups.map((g) => g.label)).toEqual(['CUDA_HOME=/opt/cuda', `${local}/cuda*`, 'the dynamic loader (LD_LIBRARY_PATH, ld.so.cache)', "pip's nvidia-* wheels (site-packages/nvidia/*/lib)"]);
    expect(groups[0].dirs).toEqual(['/opt/cuda/lib64', '/opt/cuda/lib', '/opt/cuda/targets/x86_64-linux/lib', '/opt/cuda/compat']);
    expect(groups[1].dirs!.filter((d) => d.endsWith('lib64'))).toEqual(['cuda', 'cuda-13.0', 'cuda-12.10', 'cuda-12.4'].map((v) => join(local, v, 'lib64')));
    expect(groups[2].dirs).toBeNull();
    expect(groups[3].dirs).toEqual([join(site, 'nvidia/cublas/lib'), join(site, 'nvidia/cuda_nvrtc/lib')]);
  });

  it("on this machine reads the environment's CUDA_HOME and finds the installed toolkit under /usr/local", () => {
    const groups = searchGroups(machineSearchContext({ CUDA_PATH: '/nowhere' }));
    expect(groups[0].label).toBe('CUDA_PATH=/nowhere');
    expect(groups[1].label).toBe('/usr/local/cuda*');
  });
});

describe('locateLibrary', () => {
  const spec = (sonames: string[], loaderFirst = false): LibrarySpec => ({ what: 'a test library', sonames, loaderFirst, install: 'n/a' });

  it('opens the first soname found along the groups, in order, preferring the newer soname within a folder', () => {
    const home = tree({ 'lib64/libnvrtc.so.12': 'real', 'lib64/libnvrtc.so.13': 'real' });
    const local = tree({ 'cuda-13.0/lib64/libnvrtc.so.13': 'real' });
    const found = locateLibrary(spec(['libnvrtc.so.13', 'libnvrtc.so.12']), searchGroups(context({ CUDA_HOME: home }, [local])));
    expect(found.path).toBe(join(home, 'lib64/libnvrtc.so.13'));
    const next = locateLibrary(spec(['libnvrtc.so.13']), searchGroups(context({}, [local])));
    expect(next.path).toBe(join(local, 'cuda-13.0/lib64/libnvrtc.so.13'));
  });

  it("finds a pip wheel's copy last, and asks the dynamic loader by soname before it", () => {
    const site = tree({ 'nvidia/cu13/lib/libcublasLt.so.13': 'real', 'nvidia/cu13/lib/libz.so.1': 'real' });
    expect(locateLibrary(spec(['libcublasLt.so.13']), searchGroups(context({}, [], [site]))).path).toBe(join(site, 'nvidia/cu13/lib/libcublasLt.so.13'));
    // libz is in the system's folders: the loader answers before the wheel folder is reached.
    expect(locateLibrary(spec(['libz.so.1']), searchGroups(context({}, [], [site]))).path).toBe('libz.so.1');
  });

  it('asks the dynamic loader first for a library that must match the system (the driver)', () => {
    const home = tree({ 'compat/libz.so.1': 'real' });
    expect(locateLibrary(spec(['libz.so.1'], false), searchGroups(context({ CUDA_HOME: home }))).path).toBe(join(home, 'compat/libz.so.1'));
    expect(locateLibrary(spec(['libz.so.1'], true), searchGroups(context({ CUDA_HOME: home }))).path).toBe('libz.so.1');
  });

  it("goes past a copy that does not load, keeping the loader's reason", () => {
    const home = tree({ 'lib64/libnvrtc.so.13': 'junk', 'lib/libnvrtc.so.13': 'real' });
    expect(locateLibrary(spec(['libnvrtc.so.13']), searchGroups(context({ CUDA_HOME: home }))).path).toBe(join(home, 'lib/libnvrtc.so.13'));
    const bad = tree({ 'lib64/libnvrtc.so.13': 'junk' });
    const missing = locateLibrary(spec(['libnvrtc.so.13']), searchGroups(context({ CUDA_HOME: bad })));
    expect(missing.path).toBeNull();
    expect(missing.path === null && missing.failures).toEqual([expect.stringMatching(new RegExp(`^${join(bad, 'lib64/libnvrtc.so.13')}: .*(invalid ELF header|too short)`))]);
  });
});

describe('openCudaLibraries', () => {
  const oneLine = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(CudaUnavailableError);
      const message = (e as Error).message;
      expect(message).not.toContain('\n');
      return message;
    }
    return expect.unreachable('should throw');
  };

  // Where a driver is installed (a GPU machine) there is nothing missing to report: the GPU specs run instead.
  const driverHere = locateLibrary(CUDA_LIBRARIES.driver, [{ label: 'the dynamic loader', dirs: null }]).path !== null;
  if (driverHere) console.log('the "no NVIDIA driver" message spec is skipped: this machine has libcuda.so.1');
  it.skipIf(driverHere)('on this machine (no NVIDIA driver) fails in one line naming each missing library and where it looked', () => {
    const message = oneLine(() => openCudaLibraries(machineSearchContext({})));
    expect(message).toMatch(/^executor cuda: missing libcuda\.so\.1 \(the CUDA driver: it comes with the NVIDIA driver, on a machine with an NVIDIA GPU\)/);
    expect(message).toContain('libnvrtc.so.13 / libnvrtc.so.12 / libnvrtc.so (NVRTC: install the CUDA toolkit');
    expect(message).toContain('libcublasLt.so.13 / libcublasLt.so.12 / libcublasLt.so (cuBLASLt: ');
    expect(message).toMatch(/; looked in CUDA_HOME \(unset\), \/usr\/local\/cuda\*, the dynamic loader \(LD_LIBRARY_PATH, ld\.so\.cache\), pip's nvidia-\* wheels/);
  });

  it.skipIf(driverHere)('names only what is still missing once the toolkit is found, and why a copy that was found did not load', () => {
    const home = tree({ 'lib64/libnvrtc.so.13': 'real', 'lib64/libcublasLt.so.13': 'junk' });
    const empty = tree({});
    const message = oneLine(() => openCudaLibraries(context({ CUDA_HOME: home }, [empty])));
    expect(message).not.toContain('NVRTC');
    expect(message).toContain('missing libcuda.so.1 (the CUDA driver');
    expect(message).toContain(`(cuBLASLt: install the CUDA toolkit or \`pip install nvidia-cublas-cu12\`, or set CUDA_HOME; found but not loadable: ${join(home, 'lib64/libcublasLt.so.13')}: `);
    expect(message).toMatch(/looked in CUDA_HOME=\S+, \S+\/cuda\* \(none there\), the dynamic loader \(LD_LIBRARY_PATH, ld\.so\.cache\), pip's nvidia-\* wheels \(site-packages\/nvidia\/\*\/lib: none installed\)$/);
  });
});
