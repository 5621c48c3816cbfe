export { HfTokenizer } from './hf-tokenizer.js';
export { DecodeStream } from './decode-stream.js';
export type { IdDecoder } from './decode-stream.js';
export { TokenizerLoadError } from './tokenizer.errors.js';
export { parseTokenizerConfig, parseChatTemplates } from './tokenizer-config.js';
export type { TokenizerConfig } from './tokenizer-config.js';
export { selectChatTemplate } from './chat-template-selection.js';
export type { NamedChatTemplate } from './chat-template-selection.js';
export type { ApplyChatTemplateOptions, DecodeOptions, EncodeOptions, TextTokenizer } from './tokenizer.interface.js';
