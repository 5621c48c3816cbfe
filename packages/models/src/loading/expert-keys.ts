import type { ModelConfig } from '../config/model-config.js';
import type { ModelType } from '../config/model-types.js';

/** How a model type's checkpoints name one expert's projections (one tensor per expert, as the Hub has them). */
interface ExpertNames {
  /** The MoE block's module name in the checkpoint (Mixtral: `block_sparse_moe`; ours is `mlp`, as in transformers 5). */
  readonly block: string;
  readonly gate: string;
  readonly up: string;
  readonly down: string;
}

/** transformers 5 packs these into `mlp.experts.gate_up_proj` / `down_proj` on load and unpacks them on save. */
const EXPERT_NAMES: Partial<Record<ModelType, ExpertNames>> = {
  mixtral: { block: 'block_sparse_moe', gate: 'w1', up: 'w3', down: 'w2' },
  qwen3_moe: { block: 'mlp', gate: 'gate_proj', up: 'up_proj', down: 'down_proj' },
};

/** Part of a packed parameter a checkpoint tensor fills: `size` elements from flat `offset`, stored with `shape`. */
export interface PackedPart {
  readonly name: string;
  readonly offset: number;
  readonly shape: readonly number[];
}

/**
 * The packed parameter (and where in it) a per-expert checkpoint key fills, or the renamed router
 * (`block_sparse_moe.gate.weight` → `mlp.gate.weight`); null for any other key.
 */
export function expertKeyTarget(key: string, config: ModelConfig): PackedPart | null {
  const names = EXPERT_NAMES[config.modelType];
  if (!config.moe || !names) return null;
  const m = new RegExp(`^(?:model\\.)?layers\\.(\\d+)\\.${names.block}\\.(?:gate|experts\\.(\\d+)\\.(\\w+))\\.weight$`).exec(key);
  if (!m) return null;
  const prefix = `model.layers.${m[1]}.mlp`;
  const { hidden: h } = config;
  const { expertIntermediate: i, experts } = config.moe;
  if (m[2] === undefined) return { name: `${prefix}.gate.weight`, offset: 0, shape: [experts, h] };
  const e = Number(m[2]);
  if (e >= experts) return null;
  const parts: Record<string, PackedPart> = {
    [names.gate]: { name: `${prefix}.experts.gate_up_proj`, offset: e * 2 * i * h, shape: [i, h] },
    [names.up]: { name: `${prefix}.experts.gate_up_proj`, offset: (e * 2 + 1) * i * h, shape: [i, h] },
    [names.down]: { name: `${prefix}.experts.down_proj`, offset: e * h * i, shape: [h, i] },
  };
  return parts[m[3]] ?? null;
}

/** The per-expert checkpoint tensors of a packed parameter, as transformers 5's save_pretrained writes them. */
export function unpackExperts(name: string, shape: readonly number[], config: ModelConfig): { key: string; offset: number; shape: number[] }[] | null {
  const names = EXPERT_NAMES[config.modelType];
  const m = /^model\.layers\.(\d+)\.mlp\.(gate\.weight|experts\.gate_up_proj|experts\.down_proj)$/.exec(name);
  if (!config.moe || !names || !m) return null;
  const block = `model.layers.${m[1]}.${names.block}`;
  if (m[2] === 'gate.weight') return [{ key: `${block}.gate.weight`, offset: 0, shape: [...shape] }];
  const [e, rows, cols] = shape;
  return Array.from({ length: e }, (_, k) =>
    m[2] === 'experts.down_proj'
      ? [{ key: `${block}.experts.${k}.${names.down}.weight`, offset: k * rows * cols, shape: [rows, cols] }]
      : [
          { key: `${block}.experts.${k}.${names.gate}.weight`, offset: k * rows * cols, shape: [rows / 2, cols] },
          { key: `${block}.experts.${k}.${names.up}.weight`, offset: (k * rows + rows / 2) * cols, shape: [rows / 2, cols] },
        ],
  ).flat();
}
