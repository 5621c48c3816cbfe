export { Module } from './module.js';
export { Parameter } from '../ir/parameter.js';
export { Linear, type LinearOptions } from './linear.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { RMSNorm, LayerNorm } from './norm.js';
export { Dropout } from './dropout.js';
export { ACT2FN, Activation, activation, type ActivationFn } from './activations.js';
export { init, manualSeed, globalRng } from './init.js';
