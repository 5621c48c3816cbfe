#!/usr/bin/env node
// The CLI runs from its TypeScript sources through tsx's loader, so no build step stands between
// `npm ci` and a working `tunekit` command.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
