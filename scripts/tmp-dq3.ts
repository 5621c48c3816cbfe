import { HostTensor, OrtExecutor, Tensor, Parameter } from '@tunekit/core';
const n = 5632 * 2048, nb = n / 2, nBlocks = n / 64;
const bytes = new Parameter(new HostTensor('u8', [nb], new Uint8Array(nb).map((_, i) => (i * 37) & 255)), false);
const absmax = new Parameter(HostTensor.f32([nBlocks], Array.from({ length: nBlocks }, (_, i) => 1 + (i % 5))), false);
const lv = new Parameter(HostTensor.f32([n], new Float32Array(n).map((_, i) => i % 3)), false);
const ort = new OrtExecutor();
const pair = HostTensor.f32([256, 2], Array.from({ length: 512 }, (_, i) => i / 300));
const variants: Record<string, () => Tensor> = {
  'sum only': () => Tensor.param(lv).sum(),
  'mul bcast': () => Tensor.param(lv).reshape([nBlocks, 64]).mul(Tensor.param(absmax).reshape([nBlocks, 1])).sum(),
  'mul same': () => Tensor.param(lv).mul(Tensor.param(lv)).sum(),
  'pair gather': () => Tensor.constant(pair).gather(0, Tensor.param(bytes).cast('i32')).sum(),
  'pair gather+mul': () => Tensor.constant(pair).gather(0, Tensor.param(bytes).cast('i32')).reshape([nBlocks, 64]).mul(Tensor.param(absmax).reshape([nBlocks, 1])).sum(),
  'pair gather+mul 3d': () => Tensor.constant(pair).gather(0, Tensor.param(bytes).cast('i32')).reshape([nBlocks, 32, 2]).mul(Tensor.param(absmax).reshape([nBlocks, 1, 1])).sum(),
};
for (const [name, f] of Object.entries(variants)) {
  const prog = ort.compile([f()]);
  await prog.run({});
  const t = performance.now();
  for (let i = 0; i < 5; i++) await prog.run({});
  console.log(name, ((performance.now() - t) / 5).toFixed(1), 'ms');
}
