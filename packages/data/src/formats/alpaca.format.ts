import type { ChatMessage } from '../tokenize/chat-tokenizer.js';
import type { RecordFormat } from './format.types.js';

/**
 * Alpaca: `instruction`, optional `input`, `output`, optional `system`. Becomes a one-turn chat so
 * the model's own chat template frames it (as LLaMA-Factory does), with the input on its own line
 * after the instruction.
 */
export const alpacaFormat: RecordFormat = {
  name: 'alpaca',
  signature: ['instruction', 'output'],
  convert(row) {
    const instruction = row.string('instruction');
    const input = row.optionalString('input');
    const output = row.string('output');
    const system = row.optionalString('system');
    const messages: ChatMessage[] = [
      ...(system === undefined ? [] : [{ role: 'system' as const, content: system }]),
      { role: 'user', content: input === undefined ? instruction : `${instruction}\n${input}` },
      { role: 'assistant', content: output },
    ];
    return { kind: 'chat', messages };
  },
};
