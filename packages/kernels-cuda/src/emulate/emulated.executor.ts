import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Executor, type Feeds, Graph, type HostTensor, type Node, type Program, type Tensor } from '@tunekit/core';
import { planGraph } from '../codegen/plan-graph.js';
import type { KernelPlan } from '../plan/kernel-plan.types.js';
import { emulatorBinary } from './emu-build.js';
import { decodeOutputs, encodeJob } from './emu-job.js';

/** Every kernel of a plan, entry → source. */
export function planKernels(plan: KernelPlan): Map<string, string> {
  const kernels = new Map<string, string>();
  for (const s of plan.steps) if (s.kind === 'kernel') kernels.set(s.entry, s.source);
  return kernels;
}

/** Runs a plan on the g++ emulator: its kernels as host C++, its gemms as host loops. */
export async function runPlanEmulated(plan: KernelPlan, feeds: Feeds = {}): Promise<HostTensor[]> {
  const binary = await emulatorBinary(planKernels(plan));
  const dir = mkdtempSync(join(tmpdir(), 'tk-emu-job-'));
  try {
    writeFileSync(join(dir, 'job.bin'), encodeJob(plan, feeds));
    try {
      await promisify(execFile)(binary, [join(dir, 'job.bin'), join(dir, 'out.bin')]);
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr?.trim();
      throw new Error(`CUDA emulator: the plan failed: ${stderr || String(err)}`);
    }
    return decodeOutputs(plan, readFileSync(join(dir, 'out.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A test executor: plans graphs exactly as the CUDA executor does and runs the plan's kernels,
 * compiled by g++ from the same source NVRTC gets, on the CPU. It checks the generated and
 * hand-written kernels' arithmetic without a GPU (not their speed, memory coalescing or races).
 */
export class EmulatedCudaExecutor implements Executor {
  readonly name = 'cuda-emulated';

  compile(outputs: readonly (Tensor | Node)[]): Program {
    const nodes = outputs.map((o) => ('node' in o ? o.node : o));
    const plan = planGraph(nodes);
    return { graph: new Graph(nodes), run: (feeds: Feeds = {}) => runPlanEmulated(plan, feeds) };
  }

  async dispose(): Promise<void> {}
}
