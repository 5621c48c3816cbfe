import type { RawConfig } from '@tunekit/models';
import { templateFamily } from './chat-template-families.js';

/** generation_config.json fields → Ollama PARAMETERs. */
const SAMPLING: readonly [string, string][] = [
  ['temperature', 'temperature'],
  ['top_p', 'top_p'],
  ['top_k', 'top_k'],
  ['repetition_penalty', 'repeat_penalty'],
];

export interface ModelfileInput {
  /** The GGUF file's name, beside the Modelfile. */
  readonly gguf: string;
  readonly chatTemplate: string | null;
  readonly generationConfig: RawConfig | null;
  readonly contextLength: number;
  /** The eos token's text, always a stop. */
  readonly eosToken: string | undefined;
}

const quote = (s: string): string => JSON.stringify(s);

/**
 * An Ollama Modelfile: FROM the GGUF, the chat template translated for the families TuneKit knows,
 * stop tokens and the sampling defaults of generation_config.json (greedy when it does not sample).
 * Returns the text and, for a template it cannot translate, the one line saying so.
 */
export function ollamaModelfile(input: ModelfileInput): { text: string; warning: string | null } {
  const lines = [`FROM ./${input.gguf}`];
  const family = input.chatTemplate === null ? null : templateFamily(input.chatTemplate);
  let warning: string | null = null;
  if (family) {
    lines.push(`# Chat template: ${family.name}, translated from tokenizer_config.json's Jinja template${family.note ? ` (${family.note})` : ''}.`);
    lines.push(`TEMPLATE """${family.template}"""`);
  } else {
    warning =
      input.chatTemplate === null
        ? 'Modelfile: the model has no chat template; Ollama will use the prompt as given'
        : 'Modelfile: the chat template is none TuneKit translates (ChatML, Llama 3, Gemma, Mistral); Ollama falls back to its own reading of the GGUF template';
    lines.push(`# ${warning}`);
  }
  const stops = new Set([...(family?.stops ?? []), ...(input.eosToken ? [input.eosToken] : [])]);
  for (const s of stops) lines.push(`PARAMETER stop ${quote(s)}`);
  const g = input.generationConfig ?? {};
  if (g.do_sample === true) {
    for (const [hf, ollama] of SAMPLING) if (typeof g[hf] === 'number') lines.push(`PARAMETER ${ollama} ${g[hf]}`);
  } else {
    lines.push('PARAMETER temperature 0');
  }
  lines.push(`PARAMETER num_ctx ${input.contextLength}`);
  return { text: `${lines.join('\n')}\n`, warning };
}
