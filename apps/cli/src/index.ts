export { main } from './main.js';
export { buildContainer } from './container.js';
export { COMMAND, type Command } from './commands/command.interface.js';
export { VERSION } from './version.js';
export { loadModelWithAdapter, type LoadModelWithAdapterOptions, type ModelWithAdapter } from './model-loading.js';
