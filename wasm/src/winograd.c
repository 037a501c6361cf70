// 3×3, stride-1 convolutions by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray,
// "Fast Algorithms for Convolutional Neural Networks", 2016): each 2×2 output tile takes
// 16 multiplies per channel pair instead of 36. Per tile and channel the input patch d is
// transformed to V = Bᵀ d B, the filter g once to U = G g Gᵀ; for each of the 16 positions
// ξ of the 4×4 transform domain a GEMM M_ξ[tile, oc] = Σ_ic V_ξ[tile, ic] U_ξ[ic, oc] runs
// on the packed GEMM; the output is Aᵀ M A (+ bias, relu). Transforms are vectorized over
// channels (NHWC keeps them contiguous); the transform constants are 0, ±1 and ½, so the
// result differs from direct convolution by float32 rounding only.
#include "nt.h"

typedef struct {
  int batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, groups;
} conv_info;

static inline int imin(int a, int b) { return a < b ? a : b; }

int winograd_applies(const conv_info* c) {
  return c->kH == 3 && c->kW == 3 && c->strideH == 1 && c->strideW == 1 && c->dilationH == 1 && c->dilationW == 1 &&
         c->groups == 1 && c->inC % 4 == 0 && c->outC % 4 == 0 && c->inC >= 8 && c->outC >= 8;
}

#define ADD wasm_f32x4_add
#define SUB wasm_f32x4_sub
#define MUL wasm_f32x4_mul

// U_ξ = (G g Gᵀ)_ξ for every (ic, oc), written as 16 matrices [inC, outC].
static void transform_filter(const conv_info* c, const float* filter, float* U) {
  const int IC = c->inC, OC = c->outC;
  const size_t plane = (size_t)IC * OC;
  const v128_t half = wasm_f32x4_splat(0.5f);
  for (int ic = 0; ic < IC; ic++) {
    for (int oc = 0; oc < OC; oc += 4) {
      v128_t g[9];
      for (int k = 0; k < 9; k++) g[k] = wasm_v128_load(filter + ((size_t)k * IC + ic) * OC + oc);
      v128_t t[4][3];
      for (int j = 0; j < 3; j++) {
        t[0][j] = g[j];
        t[1][j] = MUL(ADD(ADD(g[j], g[3 + j]), g[6 + j]), half);
        t[2][j] = MUL(ADD(SUB(g[j], g[3 + j]), g[6 + j]), half);
        t[3][j] = g[6 + j];
      }
      for (int i = 0; i < 4; i++) {
        const v128_t u[4] = {t[i][0], MUL(ADD(ADD(t[i][0], t[i][1]), t[i][2]), half), MUL(ADD(SUB(t[i][0], t[i][1]), t[i][2]), half),
                             t[i][2]};
        for (int j = 0; j < 4; j++) wasm_v128_store(U + (size_t)(i * 4 + j) * plane + (size_t)ic * OC + oc, u[j]);
      }
    }
  }
}

typedef struct {
  const conv_info* c;
  const float *x, *bias;
  float* y;
  const float* Up;  // 16 packed B matrices
  size_t up_stride;
  float* scratch;
  size_t scratch_per_thread;
  int tiles_h, tiles_w, tiles_total, chunk, relu;
} wino_task;

static void wino_run(void* p, int tid, int T) {
  const wino_task* t = (const wino_task*)p;
  const conv_info* c = t->c;
  const int IC = c->inC, OC = c->outC;
  float* V = t->scratch + (size_t)tid * t->scratch_per_thread;
  float* M = V + (size_t)16 * t->chunk * IC;
  float* apack = M + (size_t)16 * t->chunk * OC;
  const size_t vplane = (size_t)t->chunk * IC, mplane = (size_t)t->chunk * OC;
  const int per_image = t->tiles_h * t->tiles_w;
  const v128_t zero = wasm_f32x4_splat(0);
  const int nchunks = (t->tiles_total + t->chunk - 1) / t->chunk;
  for (int ch = tid; ch < nchunks; ch += T) {
    const int t0 = ch * t->chunk, nt = imin(t->chunk, t->tiles_total - t0);
    // Input transform.
    for (int k = 0; k < nt; k++) {
      const int tile = t0 + k, b = tile / per_image, r = tile % per_image;
      const int ih0 = (r / t->tiles_w) * 2 - c->padTop, iw0 = (r % t->tiles_w) * 2 - c->padLeft;
      const float* rows[4][4];
      for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
          const int ih = ih0 + i, iw = iw0 + j;
          rows[i][j] = (ih < 0 || ih >= c->inH || iw < 0 || iw >= c->inW) ? 0 : t->x + ((size_t)(b * c->inH + ih) * c->inW + iw) * IC;
        }
      }
      for (int ic = 0; ic < IC; ic += 4) {
        v128_t d[4][4];
        for (int i = 0; i < 4; i++)
          for (int j = 0; j < 4; j++) d[i][j] = rows[i][j] ? wasm_v128_load(rows[i][j] + ic) : zero;
        v128_t u[4][4];
        for (int j = 0; j < 4; j++) {
          u[0][j] = SUB(d[0][j], d[2][j]);
          u[1][j] = ADD(d[1][j], d[2][j]);
          u[2][j] = SUB(d[2][j], d[1][j]);
          u[3][j] = SUB(d[1][j], d[3][j]);
        }
        for (int i = 0; i < 4; i++) {
          float* dst = V + (size_t)k * IC + ic;
          wasm_v128_store(dst + (size_t)(i * 4 + 0) * vplane, SUB(u[i][0], u[i][2]));
          wasm_v128_store(dst + (size_t)(i * 4 + 1) * vplane, ADD(u[i][1], u[i][2]));
          wasm_v128_store(dst + (size_t)(i * 4 + 2) * vplane, SUB(u[i][2], u[i][1]));
          wasm_v128_store(dst + (size_t)(i * 4 + 3) * vplane, SUB(u[i][1], u[i][3]));
        }
      }
    }
    // 16 products in the transform domain.
    for (int xi = 0; xi < 16; xi++) {
      gemm_packed(0, nt, OC, IC, V + xi * vplane, IC, t->Up + xi * t->up_stride, M + xi * mplane, OC, 0, 0, 0, apack);
    }
    // Output transform, bias, relu.
    for (int k = 0; k < nt; k++) {
      const int tile = t0 + k, b = tile / per_image, r = tile % per_image;
      const int oh0 = (r / t->tiles_w) * 2, ow0 = (r % t->tiles_w) * 2;
      const int hmax = imin(2, c->outH - oh0), wmax = imin(2, c->outW - ow0);
      for (int oc = 0; oc < OC; oc += 4) {
        v128_t m[16];
        for (int xi = 0; xi < 16; xi++) m[xi] = wasm_v128_load(M + xi * mplane + (size_t)k * OC + oc);
        v128_t s[2][4];
        for (int j = 0; j < 4; j++) {
          s[0][j] = ADD(ADD(m[j], m[4 + j]), m[8 + j]);
          s[1][j] = SUB(SUB(m[4 + j], m[8 + j]), m[12 + j]);
        }
        const v128_t bv = t->bias ? wasm_v128_load(t->bias + oc) : zero;
        for (int i = 0; i < hmax; i++) {
          v128_t out[2] = {ADD(ADD(s[i][0], s[i][1]), s[i][2]), SUB(SUB(s[i][1], s[i][2]), s[i][3])};
          for (int j = 0; j < wmax; j++) {
            v128_t v = ADD(out[j], bv);
            if (t->relu) v = wasm_f32x4_max(v, zero);
            wasm_v128_store(t->y + ((size_t)(b * c->outH + oh0 + i) * c->outW + ow0 + j) * OC + oc, v);
          }
        }
      }
    }
  }
}

void winograd_conv2d(const float* x, const float* filter, float* y, const conv_info* c, const float* bias, int relu) {
  const int IC = c->inC, OC = c->outC;
  float* U = falloc((size_t)16 * IC * OC);
  transform_filter(c, filter, U);
  const size_t up_stride = gemm_packed_b_size(IC, OC);
  float* Up = falloc(16 * up_stride);
  for (int xi = 0; xi < 16; xi++) gemm_pack_b(0, IC, OC, U + (size_t)xi * IC * OC, OC, Up + xi * up_stride);
  wino_task t;
  t.c = c;
  t.x = x;
  t.bias = bias;
  t.y = y;
  t.Up = Up;
  t.up_stride = up_stride;
  t.relu = relu;
  t.tiles_h = (c->outH + 1) / 2;
  t.tiles_w = (c->outW + 1) / 2;
  t.tiles_total = c->batch * t.tiles_h * t.tiles_w;
  int chunk = 8192 / (IC + OC);
  chunk = chunk < 4 ? 4 : chunk > 256 ? 256 : chunk;
  t.chunk = chunk & ~3;
  t.scratch_per_thread = ((size_t)16 * t.chunk * (IC + OC) + gemm_apack_size() + 15) & ~(size_t)15;
  const double macs = (double)t.tiles_total * 16 * IC * OC;
  const int T = macs < (1 << 18) ? 1 : nt_threads();
  t.scratch = falloc(t.scratch_per_thread * T);
  parallel_run(wino_run, &t, T);
}
