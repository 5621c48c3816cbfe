import type { DType } from '@tunekit/core';

/**
 * The helpers every kernel source starts with. It includes no header, so NVRTC compiles it with no
 * include path, and the g++ emulator (src/emulate) compiles the very same text after its shims.
 * Halves are stored as raw 16-bit patterns and converted by bit arithmetic (round to nearest even,
 * as core's `f32ToBf16Bits`/`f32ToF16Bits` do), so no cuda_bf16.h is needed; all math runs in f32.
 */
export const CUDA_PRELUDE = String.raw`
#define TK_DEV __device__ __forceinline__
TK_DEV float tk_inf() { return __uint_as_float(0x7f800000u); }
TK_DEV bool tk_isnan(float x) { return x != x; }
TK_DEV float tk_bf16_to_f32(unsigned short h) { return __uint_as_float(((unsigned int)h) << 16); }
TK_DEV unsigned short tk_f32_to_bf16(float x) {
  unsigned int u = __float_as_uint(x);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)(((u >> 16) | 0x40u) & 0xffffu);
  return (unsigned short)(((u + 0x7fffu + ((u >> 16) & 1u)) >> 16) & 0xffffu);
}
TK_DEV float tk_f16_to_f32(unsigned short h) {
  unsigned int sign = ((unsigned int)h & 0x8000u) << 16, exp = ((unsigned int)h >> 10) & 0x1fu, mant = (unsigned int)h & 0x3ffu;
  if (exp == 0) { float v = (float)mant * 5.9604644775390625e-8f; return sign ? -v : v; }
  if (exp == 31) return __uint_as_float(sign | 0x7f800000u | (mant << 13));
  return __uint_as_float(sign | ((exp + 112u) << 23) | (mant << 13));
}
TK_DEV unsigned short tk_f32_to_f16(float x) {
  unsigned int u = __float_as_uint(x);
  unsigned int sign = (u >> 16) & 0x8000u, exp = (u >> 23) & 0xffu, mant = u & 0x7fffffu;
  if (exp == 0xffu) return (unsigned short)(sign | 0x7c00u | (mant ? 0x200u : 0u));
  int e = (int)exp - 127 + 15;
  if (e >= 0x1f) return (unsigned short)(sign | 0x7c00u);
  if (e <= 0) {
    if (e < -10) return (unsigned short)sign;
    mant |= 0x800000u;
    unsigned int shift = (unsigned int)(14 - e), half = 1u << (shift - 1), m = mant >> shift, rem = mant & ((1u << shift) - 1u);
    if (rem > half || (rem == half && (m & 1u))) m++;
    return (unsigned short)(sign | m);
  }
  unsigned int m = mant >> 13, rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (m & 1u))) {
    m++;
    if (m == 0x400u) { m = 0; e++; if (e >= 0x1f) return (unsigned short)(sign | 0x7c00u); }
  }
  return (unsigned short)(sign | ((unsigned int)e << 10) | m);
}
TK_DEV float tk_round_bf16(float x) { return tk_bf16_to_f32(tk_f32_to_bf16(x)); }
TK_DEV float tk_round_f16(float x) { return tk_f16_to_f32(tk_f32_to_f16(x)); }
TK_DEV float tk_ld_f32(const float* p, long long i) { return p[i]; }
TK_DEV float tk_ld_bf16(const unsigned short* p, long long i) { return tk_bf16_to_f32(p[i]); }
TK_DEV float tk_ld_f16(const unsigned short* p, long long i) { return tk_f16_to_f32(p[i]); }
TK_DEV void tk_st_f32(float* p, long long i, float v) { p[i] = v; }
TK_DEV void tk_st_bf16(unsigned short* p, long long i, float v) { p[i] = tk_f32_to_bf16(v); }
TK_DEV void tk_st_f16(unsigned short* p, long long i, float v) { p[i] = tk_f32_to_f16(v); }
TK_DEV float tk_fmax(float a, float b) { return (tk_isnan(a) || a > b) ? a : b; }
TK_DEV float tk_fmin(float a, float b) { return (tk_isnan(a) || a < b) ? a : b; }
TK_DEV float tk_sigmoid(float x) { if (x >= 0.f) return 1.f / (1.f + expf(-x)); float e = expf(x); return e / (1.f + e); }
TK_DEV float tk_relu(float x) { return (x > 0.f || tk_isnan(x)) ? x : 0.f; }
TK_DEV float tk_silu(float x) { return x * tk_sigmoid(x); }
TK_DEV float tk_gelu_erf(float x) { return 0.5f * x * erfcf(-x * 0.70710678118654752f); }
TK_DEV float tk_gelu_tanh(float x) { return 0.5f * x * (1.f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x))); }
TK_DEV long long tk_f2i(float x) { return (x - x == 0.f) ? (long long)x : 0; }
`;

/** How each dtype is stored in device memory (the kernel's pointer type). */
export const STORAGE_C_TYPE: Record<DType, string> = {
  f32: 'float',
  f16: 'unsigned short',
  bf16: 'unsigned short',
  i64: 'long long',
  i32: 'int',
  u8: 'unsigned char',
  i8: 'signed char',
  bool: 'unsigned char',
};

/** The type a value of each dtype has while a kernel computes with it (halves widen to f32). */
export const COMPUTE_C_TYPE: Record<DType, string> = { ...STORAGE_C_TYPE, f16: 'float', bf16: 'float' };

/** A load of element `i` of pointer `p`, widened to the compute type. */
export function loadExpr(dtype: DType, p: string, i: string): string {
  if (dtype === 'bf16' || dtype === 'f16') return `tk_ld_${dtype}(${p}, ${i})`;
  return `${p}[${i}]`;
}

/** A store of compute value `v` into element `i` of pointer `p`. */
export function storeStmt(dtype: DType, p: string, i: string, v: string): string {
  if (dtype === 'bf16' || dtype === 'f16') return `tk_st_${dtype}(${p}, ${i}, ${v});`;
  if (dtype === 'bool') return `${p}[${i}] = (unsigned char)(${v} != 0);`;
  return `${p}[${i}] = (${STORAGE_C_TYPE[dtype]})(${v});`;
}

/** `v` narrowed to what `dtype` can hold (halves rounded, ints wrapped, bools 0/1). */
export function narrowExpr(dtype: DType, v: string): string {
  if (dtype === 'bf16' || dtype === 'f16') return `tk_round_${dtype}(${v})`;
  if (dtype === 'bool') return `(unsigned char)((${v}) != 0)`;
  return `(${COMPUTE_C_TYPE[dtype]})(${v})`;
}

/** A float literal C parses exactly (max 9 significant digits keep every f32). */
export function floatLiteral(v: number): string {
  if (Number.isNaN(v)) return '(0.f / 0.f)';
  if (!Number.isFinite(v)) return v > 0 ? 'tk_inf()' : '(-tk_inf())';
  const s = Math.fround(v).toPrecision(9);
  return `${s.includes('e') || s.includes('.') ? s : `${s}.`}f`.replace('.f', '.0f');
}
