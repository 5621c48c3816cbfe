/**
 * The chat template families TuneKit translates into Ollama's Go templates, each recognised by the
 * markers its Jinja template writes. Ollama's template sees `.Messages` (role, content) and adds the
 * assistant's turn header at the end, as add_generation_prompt does.
 */
export interface TemplateFamily {
  readonly name: string;
  /** Every one of these occurs in the Jinja source. */
  readonly markers: readonly string[];
  readonly template: string;
  readonly stops: readonly string[];
  /** What the translation leaves out of the Jinja template, said in the Modelfile. */
  readonly note?: string;
}

export const TEMPLATE_FAMILIES: readonly TemplateFamily[] = [
  {
    name: 'Llama 3',
    markers: ['<|start_header_id|>', '<|eot_id|>'],
    template:
      '{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n',
    stops: ['<|eot_id|>', '<|start_header_id|>'],
    note: "Llama 3.1+'s default system header (knowledge cutoff, date) and tool calls are not reproduced",
  },
  {
    name: 'Gemma',
    markers: ['<start_of_turn>', '<end_of_turn>'],
    template:
      '{{- range .Messages }}<start_of_turn>{{ if eq .Role "assistant" }}model{{ else }}user{{ end }}\n{{ .Content }}<end_of_turn>\n{{ end }}<start_of_turn>model\n',
    stops: ['<end_of_turn>'],
    note: 'a system message becomes a user turn of its own (Gemma prepends it to the first user turn)',
  },
  {
    name: 'Mistral',
    markers: ['[INST]', '[/INST]'],
    template: '{{- range .Messages }}{{ if eq .Role "user" }}[INST] {{ .Content }}[/INST]{{ else if eq .Role "assistant" }}{{ .Content }}</s>{{ end }}{{ end }}',
    stops: ['[INST]', '</s>'],
    note: 'system messages are dropped (Mistral templates fold them into a user turn)',
  },
  {
    // ChatML, and the quickstart's template, which is ChatML with no default system prompt.
    name: 'ChatML',
    markers: ['<|im_start|>', '<|im_end|>'],
    template: '{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n',
    stops: ['<|im_end|>', '<|im_start|>'],
  },
];

/** The family a Jinja template belongs to, or null when it is none TuneKit translates. */
export const templateFamily = (jinja: string): TemplateFamily | null => TEMPLATE_FAMILIES.find((f) => f.markers.every((m) => jinja.includes(m))) ?? null;
