/** Shared helpers for `bench:*` scripts: timing, peak memory and the one-JSON-line-per-case output. */

export function peakRssMib(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

export async function timeMedian(runs: number, warmup: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export function report(fields: { bench: string; case: string } & Record<string, number | string | boolean>): void {
  console.log(JSON.stringify(fields));
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
