import { fileURLToPath } from 'node:url';
import { HfTokenizer, type Message } from '@tunekit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, runCli } from '../testing/cli.test-support.js';

const gpt2Fixture = fileURLToPath(new URL('../../../../../shared/fixtures/tiny-random-gpt2', import.meta.url));
const GREEDY = ['--temperature', '0', '--max-new-tokens', '5'];

describe('tunekit chat', () => {
  let ws: Workspace;
  let tokenizer: HfTokenizer;

  beforeAll(async () => {
    ws = await Workspace.create();
    tokenizer = await HfTokenizer.fromDir(ws.model);
  });
  afterAll(() => ws.remove());

  /** What `generate` answers to the conversation rendered by the chat template: the reference for each turn. */
  async function answer(history: Message[]): Promise<string> {
    const ids = tokenizer.encodeChat(history, { addGenerationPrompt: true });
    const run = await runCli(['generate', '--model', ws.model, '--input-ids', ids.join(','), ...GREEDY, '--json']);
    expect(run.code, run.stderr).toBe(0);
    return (JSON.parse(run.stdout) as { text: string }).text;
  }

  it('answers each line through the chat template with the whole conversation so far, streamed to stdout', async () => {
    const system: Message = { role: 'system', content: 'Be brief.' };
    const run = await runCli(['chat', '--model', ws.model, '--system', 'Be brief.', ...GREEDY], { input: 'hello there\nhow are you\n' });
    expect(run.code, run.stderr).toBe(0);
    const first = await answer([system, { role: 'user', content: 'hello there' }]);
    const second = await answer([system, { role: 'user', content: 'hello there' }, { role: 'assistant', content: first.trim() }, { role: 'user', content: 'how are you' }]);
    expect(run.stdout).toBe(`${first}\n${second}\n`);
  });

  it('/reset forgets the conversation, /exit leaves, and blank lines are skipped', async () => {
    const run = await runCli(['chat', '--model', ws.model, ...GREEDY], { input: 'hello there\n\n/reset\nhello there\n/exit\nnever answered\n' });
    expect(run.code, run.stderr).toBe(0);
    const first = await answer([{ role: 'user', content: 'hello there' }]);
    expect(run.stdout).toBe(`${first}\n${first}\n`);
  });

  it('refuses a model without a chat template in one line, before reading a question', async () => {
    const run = await runCli(['chat', '--model', gpt2Fixture], { input: 'hi\n' });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^tunekit chat: .*tiny-random-gpt2: .*tunekit chat needs a chat template/);
  });
});
