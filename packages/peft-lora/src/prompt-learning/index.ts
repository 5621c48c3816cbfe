export { type PromptLearningConfig, type Resolved, PROMPT_LEARNING_DEFAULTS, parsePromptLearning, resolvePromptLearning } from './prompt-learning.config.js';
export { type PromptEncoder, PromptEncoderDict } from './prompt-encoder-dict.js';
export { PROMPT_ENCODER, PromptLearningAdapter, asCausalLM } from './prompt-learning.adapter.js';
export { PROMPT_EMBEDDINGS, readPromptEmbeddings, writePromptLearningAdapter } from './prompt-learning.io.js';
