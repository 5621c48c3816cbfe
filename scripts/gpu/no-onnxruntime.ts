// onnxruntime-node is left out of the GPU bundle: the GPU path runs on the cuda executor and checks
// against the reference executor. core still imports the ORT executor's module, so it gets this
// stand-in, which says so when anything actually reaches for ONNX Runtime.
const absent = (): never => {
  throw new Error('onnxruntime-node is not in the GPU bundle (scripts/gpu/bundle.mjs): use executor cuda or reference there');
};

export const InferenceSession = { create: absent };
export class Tensor {
  constructor() {
    absent();
  }
}
export const env = {};
export default { InferenceSession, Tensor, env };
