import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

/** Decoder outputs of one ONNX Runtime run: logits [B, T, V] and the cache to feed back. */
export interface DecoderRun {
  readonly logits: Float32Array;
  readonly present: Record<string, ort.Tensor>;
}

/** A session on an exported folder's onnx/<file>, fed as transformers.js and onnxruntime-genai feed it. */
export class ExportedDecoder {
  private constructor(
    readonly session: ort.InferenceSession,
    private readonly layers: number,
  ) {}

  static async open(dir: string, file: string, layers: number): Promise<ExportedDecoder> {
    return new ExportedDecoder(await ort.InferenceSession.create(join(dir, 'onnx', file), { logSeverityLevel: 3 }), layers);
  }

  /** The past entries (empty at the start: past length 0) in [B, Hkv, P, D]. */
  emptyPast(batch: number, kvHeads: number, headDim: number): Record<string, ort.Tensor> {
    const past: Record<string, ort.Tensor> = {};
    for (let i = 0; i < this.layers; i++) {
      for (const which of ['key', 'value']) past[`past_key_values.${i}.${which}`] = new ort.Tensor('float32', new Float32Array(0), [batch, kvHeads, 0, headDim]);
    }
    return past;
  }

  async run(ids: number[][], mask: number[][], positions: number[][], past: Record<string, ort.Tensor>): Promise<DecoderRun> {
    const i64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0].length]);
    const out = await this.session.run({ input_ids: i64(ids), attention_mask: i64(mask), position_ids: i64(positions), ...past });
    const present: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(out)) if (name.startsWith('present.')) present[name.replace('present.', 'past_key_values.')] = t;
    return { logits: out.logits.data as Float32Array, present };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
