import type { DependencyContainer } from 'tsyringe';
import { PEFT_METHOD } from '../tokens.js';
import { ADAPTER_METHOD } from './adapter.method.js';

export {
  type BottleneckConfig, type AdapterPlacement, type AdapterNonLinearity, BOTTLENECK_DEFAULTS, BOTTLENECK_PEFT_TYPE, DEFAULT_REDUCTION_FACTOR, parseBottleneckConfig, bottleneckWidth,
} from './adapter.config.js';
export { type AdapterTarget, type SublayerKind, SUBLAYER_NAMES, PLACEMENTS, findAdapterTargets } from './adapter.targets.js';
export { BottleneckLayer, type BottleneckSpec } from './adapter.layer.js';
export { BottleneckModel, ADAPTER_PARTS, isBottleneckParam } from './adapter.model.js';
export { BOTTLENECK_FORMAT_VERSION, bottleneckKey, toBottleneckJson, saveBottleneckAdapter, loadBottleneckAdapter, readBottleneckConfig } from './adapter.io.js';
export { ADAPTER_METHOD } from './adapter.method.js';

/** The method's one registration call. */
export function registerAdapter(container: DependencyContainer): void {
  container.register(PEFT_METHOD, { useValue: ADAPTER_METHOD });
}
