import { HostTensor, OrtExecutor, Tensor, Parameter } from '@tunekit/core';
const n = 5632 * 2048, nb = n / 2;
const bytes = new Parameter(new HostTensor('u8', [nb], new Uint8Array(nb).map((_, i) => (i * 37) & 255)), false);
const ort = new OrtExecutor();
const t16 = HostTensor.f32([16], Array.from({ length: 16 }, (_, i) => i / 7 - 1));
const t256 = (k: number) => HostTensor.f32([256], Array.from({ length: 256 }, (_, b) => k === 0 ? (b >> 4) / 7 : (b & 15) / 7));
const pair = HostTensor.f32([256, 2], Array.from({ length: 512 }, (_, i) => i / 300));
const variants: Record<string, () => Tensor> = {
  'cast only': () => Tensor.param(bytes).cast('i32').cast('f32'),
  'pair gather': () => Tensor.constant(pair).gather(0, Tensor.param(bytes).cast('i32')).reshape([n]),
  'two 1d gathers + concat': () => { const b = Tensor.param(bytes).cast('i32'); return Tensor.concat([Tensor.constant(t256(0)).gather(0, b).unsqueeze(1), Tensor.constant(t256(1)).gather(0, b).unsqueeze(1)], 1).reshape([n]); },
  'one 1d gather [nb]': () => Tensor.constant(t256(0)).gather(0, Tensor.param(bytes).cast('i32')),
  'i64 1d gather [nb]': () => Tensor.constant(t256(0)).gather(0, Tensor.param(bytes).cast('i64')),
};
for (const [name, f] of Object.entries(variants)) {
  const prog = ort.compile([f().sum()]);
  await prog.run({});
  const t = performance.now();
  for (let i = 0; i < 3; i++) await prog.run({});
  console.log(name, ((performance.now() - t) / 3).toFixed(1), 'ms');
}
