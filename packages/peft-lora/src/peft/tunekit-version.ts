import { readFileSync } from 'node:fs';

/** This package's version, from its package.json (one source of truth), recorded in TuneKit-only adapter formats. */
export const TUNEKIT_VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
