import { readFile } from 'node:fs/promises';
import { JinjaTemplateChatWrapper, readGgufFileInfo } from 'node-llama-cpp';
import { type LoadedGguf, llamaGreedy } from './llama-cpp.test-support.js';

interface Conversation {
  readonly messages: readonly { readonly role: string; readonly content: string }[];
}

export interface LlamaCppAnswers {
  /** Exact-match accuracy in percent, scored as `tunekit train`'s evaluation scores it. */
  readonly accuracy: number;
  /** How many generations llama.cpp ended with an end-of-generation token of its own vocabulary. */
  readonly stoppedAtEog: number;
  readonly total: number;
  /** The token ids that ended generations (llama.cpp's view of the model's eos). */
  readonly stopTokens: ReadonlySet<number>;
}

/** The GGUF's own `tokenizer.chat_template`, as llama.cpp and Ollama read it. */
export async function ggufChatTemplate(path: string): Promise<string> {
  const info = await readGgufFileInfo(path);
  return (info.metadata as unknown as { tokenizer: { chat_template: string } }).tokenizer.chat_template;
}

/**
 * Held-out exact match in llama.cpp, scored as `tunekit train`'s evaluation scores it: the
 * conversation up to the answer through the GGUF's chat template with the generation prompt,
 * greedy, the first `maxNewTokens` tokens up to llama.cpp's end-of-generation token, special tokens
 * dropped, compared after trimming spaces. Generation runs on to `budget` tokens to see where it stops.
 */
export async function llamaCppAnswers(g: LoadedGguf, ggufPath: string, dataPath: string, maxNewTokens: number, budget: number): Promise<LlamaCppAnswers> {
  const wrapper = new JinjaTemplateChatWrapper({ template: await ggufChatTemplate(ggufPath), tokenizer: g.model.tokenizer });
  const rows = (await readFile(dataPath, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Conversation);
  let correct = 0;
  let stoppedAtEog = 0;
  const stopTokens = new Set<number>();
  for (const { messages } of rows) {
    const history = messages.slice(0, -1);
    if (history.length !== 1 || history[0]!.role !== 'user') throw new Error('expected one user turn before the answer');
    const state = wrapper.generateContextState({ chatHistory: [{ type: 'user', text: history[0]!.content }, { type: 'model', response: [] }] });
    const prompt = [...g.model.tokenize(state.contextText.toString(), true)] as unknown as number[];
    const out = await llamaGreedy(g, prompt, budget, { has: (t) => g.model.isEogToken(t as never) });
    const last = out.at(-1);
    if (last !== undefined && g.model.isEogToken(last as never)) {
      stoppedAtEog++;
      stopTokens.add(last);
    }
    const answer = out.slice(0, maxNewTokens).filter((t) => !g.model.isEogToken(t as never));
    const text = g.model.detokenize(answer as never, false);
    if (text.trim() === messages.at(-1)!.content.trim()) correct++;
  }
  return { accuracy: (100 * correct) / rows.length, stoppedAtEog, total: rows.length, stopTokens };
}
