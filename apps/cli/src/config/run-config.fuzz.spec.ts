import { FuzzFolder, describeFuzzReport, fuzzParser } from '@tunekit/core/testing';
import { container as rootContainer } from 'tsyringe';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { registerBuiltins } from '../builtins.js';
import { CliError } from '../cli-error.js';
import { registries } from '../training/run-container.js';
import { readConfigDocument } from './config-document.js';
import { EXAMPLE_CONFIG } from './example-config.js';
import { parseRunConfig } from './run-config.js';

const builtins = rootContainer.createChildContainer();
registerBuiltins(builtins);
const registered = registries(builtins);
const folder = FuzzFolder.create({});
afterAll(() => folder.remove());

describe('fuzz: the YAML run config', () => {
  it('every mutated run config parses or fails with one CliError line (ConfigError names the key and line)', async () => {
    const report = await fuzzParser(
      {
        name: 'run config YAML',
        seeds: [new TextEncoder().encode(EXAMPLE_CONFIG)],
        parse: async (bytes) => {
          const doc = await readConfigDocument(folder.write('run.yaml', bytes));
          parseRunConfig(doc.raw, { ...doc, ...registered });
        },
        named: [CliError],
        text: { parse: (t) => parseYaml(t), render: (v) => stringify(v) },
      },
      400,
    );
    console.log(describeFuzzReport(report));
    expect(report.cases).toBe(400);
  });
});
