import { HostTensor, Linear, OrtExecutor, Tensor, Parameter } from '@tunekit/core';
import { Linear4bit } from '@tunekit/qlora';
const out = 5632, inp = 2048;
const w = new Float32Array(out * inp).map((_, i) => Math.sin(i) * 0.02);
const l = Linear4bit.fromWeight(inp, out, w, null, { doubleQuant: process.env.DQ === '1' });
const ort = new OrtExecutor();
const x = HostTensor.f32([512, inp], new Float32Array(512 * inp).map((_, i) => Math.cos(i)));
for (const mode of ['dequant', 'dequant-sum', 'forward']) {
  const prog = ort.compile([mode === 'forward' ? l.forward(Tensor.input('x', [512, inp], 'f32')).sum() : mode === 'dequant' ? l.weightTensor() : l.weightTensor().sum()]);
  await prog.run({ x });
  const t = performance.now();
  for (let i = 0; i < 3; i++) await prog.run({ x });
  console.log(mode, ((performance.now() - t) / 3).toFixed(1), 'ms');
}
