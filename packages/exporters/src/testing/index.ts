// `@tunekit/exporters/testing`: helpers for specs that run what the exporters wrote (kept out of the barrel).
export { type LoadedGguf, cpuLlama, llamaGreedy, loadGguf } from '../gguf/testing/llama-cpp.test-support.js';
export { type LlamaCppAnswers, ggufChatTemplate, llamaCppAnswers } from '../gguf/testing/llama-cpp-chat.test-support.js';
