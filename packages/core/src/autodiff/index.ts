export { grad } from './grad.js';
export { backpropagate } from './backprop.js';
export { GRAD_RULES, type GradRule, type GradContext } from './rules.js';
export { sumTo } from './grad-helpers.js';
