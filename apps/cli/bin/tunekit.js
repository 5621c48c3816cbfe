#!/usr/bin/env node
// The CLI runs from its TypeScript sources through tsx's loader, so no build step stands between
// `npm ci` and a working `tunekit` command.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The workspace's compiler options (decorators) by path: tsx would otherwise look for a tsconfig in
// the user's working directory, which is anywhere.
register({ tsconfig: fileURLToPath(new URL('../../../tsconfig.base.json', import.meta.url)) });
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
