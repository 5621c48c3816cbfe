// `@tunekit/models/testing`: tiny checkpoints and configs for specs and benches (ours and plugin
// authors'), kept out of the main barrel.
export { type TinyModel, type TinyModelOptions, createTinyModel, tinyConfigJson } from './create-tiny-model.js';
export { TINY_PRESETS, type TinyArch, type TinyPreset, type TinyShape } from './tiny-presets.js';
