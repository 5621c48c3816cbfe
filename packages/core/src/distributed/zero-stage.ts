/** 0: plain data parallel; 1: optimizer state sharded over the ranks; 2: gradients too (DeepSpeed's ZeRO stages). */
export type ZeroStage = 0 | 1 | 2;
export const ZERO_STAGES: readonly ZeroStage[] = [0, 1, 2];
