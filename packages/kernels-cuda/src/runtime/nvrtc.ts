import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LibraryHandle } from 'koffi';
import { bind, slot64 } from './ffi.js';

const PROTOTYPES = {
  version: 'int nvrtcVersion(int *major, int *minor)',
  createProgram: 'int nvrtcCreateProgram(void *program, const char *source, const char *name, int headerCount, void *headers, void *includeNames)',
  compileProgram: 'int nvrtcCompileProgram(void *program, int optionCount, const char **options)',
  getCubinSize: 'int nvrtcGetCUBINSize(void *program, uint64_t *size)',
  getCubin: 'int nvrtcGetCUBIN(void *program, void *cubin)',
  getLogSize: 'int nvrtcGetProgramLogSize(void *program, uint64_t *size)',
  getLog: 'int nvrtcGetProgramLog(void *program, void *log)',
  destroyProgram: 'int nvrtcDestroyProgram(void *program)',
  getErrorString: 'const char *nvrtcGetErrorString(int result)',
} as const;

/** NVRTC_ERROR_COMPILATION: the source did not compile; the program log says why. */
const COMPILATION_ERROR = 6;

/** A kernel NVRTC refused: the kernel's label and NVRTC's log, cut to what fits in an error. */
export class KernelCompileError extends Error {
  override readonly name = 'KernelCompileError';
}

/** NVRTC: CUDA C source → cubin for one architecture. */
export class Nvrtc {
  private readonly fn;
  /** `13.0`: part of the cubin cache key, since a new compiler may generate different code. */
  readonly version: string;
  /** Include folders of the toolkit NVRTC came from, for headers it does not carry built in. */
  private readonly includes: string[];

  constructor(
    lib: LibraryHandle,
    readonly path: string,
  ) {
    this.fn = bind(lib, PROTOTYPES);
    const [major, minor] = [new Int32Array(1), new Int32Array(1)];
    this.check('nvrtcVersion', this.fn.version(major, minor));
    this.version = `${major[0]}.${minor[0]}`;
    // <prefix>/lib64/libnvrtc.so → <prefix>/include; a pip wheel's nvidia/<x>/lib → nvidia/<x>/include.
    this.includes = [join(dirname(path), '..', 'include')].filter((d) => existsSync(d));
  }

  private check(call: string, code: number): void {
    if (code !== 0) throw new Error(`${call}: ${this.fn.getErrorString(code) as string} (nvrtcResult ${code})`);
  }

  /** Compiles `source` for `arch` (`sm_90`) to a cubin; a compile error carries NVRTC's log. */
  compile(source: string, label: string, arch: string): Uint8Array {
    const program = slot64();
    this.check('nvrtcCreateProgram', this.fn.createProgram(program, source, `${label}.cu`, 0, null, null));
    try {
      const options = [`--gpu-architecture=${arch}`, '--std=c++17', ...this.includes.map((d) => `--include-path=${d}`)];
      const code = this.fn.compileProgram(program[0], options.length, options) as number;
      if (code === COMPILATION_ERROR) throw new KernelCompileError(`kernel ${label}: NVRTC ${this.version} for ${arch}: ${this.log(program[0]).slice(0, 2000)}`);
      this.check(`nvrtcCompileProgram(${label})`, code);
      const size = new BigUint64Array(1);
      this.check('nvrtcGetCUBINSize', this.fn.getCubinSize(program[0], size));
      const cubin = new Uint8Array(Number(size[0]));
      this.check('nvrtcGetCUBIN', this.fn.getCubin(program[0], cubin));
      return cubin;
    } finally {
      this.fn.destroyProgram(program);
    }
  }

  private log(program: bigint): string {
    const size = new BigUint64Array(1);
    this.check('nvrtcGetProgramLogSize', this.fn.getLogSize(program, size));
    const log = Buffer.alloc(Number(size[0]));
    this.check('nvrtcGetProgramLog', this.fn.getLog(program, log));
    return log.toString('utf8').replace(/\0+$/, '').replace(/\s+/g, ' ').trim();
  }
}
