import type { FloatDType } from '@tunekit/core';

/** `torch_dtype` in config.json for each storage dtype. */
export const TORCH_DTYPE: Record<FloatDType, string> = { f32: 'float32', bf16: 'bfloat16', f16: 'float16' };
