export { TrainStep, type StepResult } from './train-step.js';
