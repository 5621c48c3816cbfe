import { describe, expect, it } from 'vitest';
import { CHATML_TEMPLATE } from '@tunekit/models';
import { ollamaModelfile } from './ollama-modelfile.js';

const base = { gguf: 'm-Q4_K_M.gguf', generationConfig: null, contextLength: 256, eosToken: '<|im_end|>' };

describe('Ollama Modelfile', () => {
  it('translates a ChatML template, with its stop tokens and greedy defaults', () => {
    const { text, warning } = ollamaModelfile({ ...base, chatTemplate: CHATML_TEMPLATE });
    expect(warning).toBeNull();
    expect(text).toContain('FROM ./m-Q4_K_M.gguf\n');
    expect(text).toContain('TEMPLATE """{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n"""');
    expect(text).toContain('PARAMETER stop "<|im_end|>"');
    expect(text).toContain('PARAMETER temperature 0\nPARAMETER num_ctx 256\n');
  });
  it('recognises Llama 3, Gemma and Mistral templates and says what each leaves out', () => {
    const llama3 = ollamaModelfile({ ...base, eosToken: '<|eot_id|>', chatTemplate: "{{ '<|start_header_id|>' + m.role + '<|end_header_id|>\\n\\n' + m.content + '<|eot_id|>' }}" });
    expect(llama3.text).toContain('<|start_header_id|>{{ .Role }}<|end_header_id|>');
    expect(llama3.text).toMatch(/# Chat template: Llama 3.*knowledge cutoff/);
    expect(ollamaModelfile({ ...base, chatTemplate: "'<start_of_turn>' ... '<end_of_turn>'" }).text).toContain('PARAMETER stop "<end_of_turn>"');
    expect(ollamaModelfile({ ...base, chatTemplate: "'[INST] ' ... ' [/INST]'" }).text).toContain('[INST] {{ .Content }}[/INST]');
  });
  it('says in one line that another template is not translated, and writes sampling defaults', () => {
    const { text, warning } = ollamaModelfile({ ...base, chatTemplate: '### Instruction: {{ x }}', generationConfig: { do_sample: true, temperature: 0.6, top_p: 0.9 } });
    expect(warning).toMatch(/none TuneKit translates/);
    expect(text).not.toContain('TEMPLATE');
    expect(text.split('\n').filter((l) => l.startsWith('#'))).toHaveLength(1);
    expect(text).toContain('PARAMETER temperature 0.6\nPARAMETER top_p 0.9\n');
  });
});
