import { COLLECTIVES, type Collectives, openCollectives } from '@tunekit/core';
import type { DependencyContainer } from 'tsyringe';

/**
 * Joins the job this process belongs to (none when alone), registers its collectives for the
 * trainer, and runs `body`. A rank that fails ends the whole job at once, so the others do not
 * wait for it in their next all-reduce; the error names the rank and its host.
 */
export async function withCollectives(container: DependencyContainer, body: () => Promise<number>): Promise<number> {
  const comm: Collectives = openCollectives();
  container.register(COLLECTIVES, { useValue: comm });
  let code: number;
  try {
    code = await body();
  } catch (e) {
    if (comm.size === 1) throw e;
    console.error(`tunekit train: rank ${comm.rank} of ${comm.size} on ${comm.host}: ${(e as Error).message}`);
    return comm.abort(1);
  }
  await comm.close();
  return code;
}
