import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { LibraryHandle } from 'koffi';
import type { SearchGroup } from './library-search.js';

const require = createRequire(import.meta.url);

/** One CUDA library the executor needs: which sonames it answers to, newest first, and how to get it. */
export interface LibrarySpec {
  /** What it is, for messages: `the CUDA driver`. */
  readonly what: string;
  readonly sonames: readonly string[];
  /** Ask the dynamic loader before the toolkit folders (the driver must match the kernel module, so the system's copy wins). */
  readonly loaderFirst: boolean;
  /** How to get it, for the one-line error. */
  readonly install: string;
}

export type LibraryOpener = (path: string) => LibraryHandle;

export const koffiOpen: LibraryOpener = (path) => (require('koffi') as typeof import('koffi')).load(path);

export type Located = { readonly path: string; readonly lib: LibraryHandle } | { readonly path: null; readonly failures: readonly string[] };

/**
 * Opens the first of `spec`'s sonames found along `groups`. A file that exists but does not open
 * (wrong architecture, a missing dependency) is remembered with the loader's reason and the search
 * goes on; when nothing opens, `failures` holds those reasons.
 */
export function locateLibrary(spec: LibrarySpec, groups: readonly SearchGroup[], open: LibraryOpener = koffiOpen): Located {
  const ordered = spec.loaderFirst ? [...groups.filter((g) => g.dirs === null), ...groups.filter((g) => g.dirs !== null)] : groups;
  const failures: string[] = [];
  for (const group of ordered) {
    for (const soname of spec.sonames) {
      const candidates = group.dirs === null ? [soname] : group.dirs.map((d) => join(d, soname)).filter((p) => existsSync(p));
      for (const path of candidates) {
        try {
          return { path, lib: open(path) };
        } catch (e) {
          // The loader's "cannot open shared object file" for a bare soname only means "not there".
          if (group.dirs !== null) failures.push(`${path}: ${firstLine((e as Error).message)}`);
        }
      }
    }
  }
  return { path: null, failures };
}

const firstLine = (s: string): string => s.split('\n')[0].trim();
