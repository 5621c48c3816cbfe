// `@tunekit/exporters/testing`: helpers for specs that run what the exporters wrote (kept out of the barrel).
export { type LoadedGguf, cpuLlama, heldOutSequences, llamaGreedy, loadGguf, tunekitLogits } from '../gguf/testing/llama-cpp.test-support.js';
export { type Agreement, type NextTokenScores, agreementWith, llamaCppScores, perplexity, scoresOfLogits } from '../gguf/testing/next-token-agreement.test-support.js';
export { type LlamaCppAnswers, ggufChatTemplate, llamaCppAnswers } from '../gguf/testing/llama-cpp-chat.test-support.js';
