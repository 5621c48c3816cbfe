export { ChatTemplate, renderChatTemplate } from './chat-template.renderer.js';
export type { ChatTemplateContext, ChatTemplateRenderOptions } from './chat-template.renderer.js';
export { ChatTemplateError } from './chat-template.errors.js';
export type { ChatTemplatePhase } from './chat-template.errors.js';
export { MESSAGE_ROLES, assertMessages } from './message.js';
export type { Message, MessageRole, ToolCall, ToolDefinition } from './message.js';
export { strftime } from './strftime.js';
