// 3×3, stride-1 convolutions by Winograd's minimal filtering (Lavin & Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016). F(m×m, 3×3) computes an m×m output
// tile from an (m+2)×(m+2) input patch with (m+2)² multiplies per channel pair instead of
// 9m²: F(2×2) 16 instead of 36, F(4×4) 36 instead of 144. Per tile and channel the patch d
// becomes V = Bᵀ d B, the filter g once U = G g Gᵀ; for each position ξ of the transform
// domain a GEMM M_ξ[tile, oc] = Σ_ic V_ξ[tile, ic] U_ξ[ic, oc] runs on the packed GEMM; the
// output is Aᵀ M A (+ bias, relu). Transforms are vectorized over channels (NHWC keeps them
// contiguous). F(2×2)'s constants are 0, ±1 and ½ (exact); F(4×4)'s (Lavin's points 0,
// ±1, ±2) add a little float32 rounding, well inside 1e-4 of the output's scale. F(4×4)
// is used when the output is at least 8×8, F(2×2) below.
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
#define SPL wasm_f32x4_splat

// ---- 1-D transforms (applied along rows, then columns) -------------------------------------
// Filter: t = G g, g of length 3, t of length m+2.
static inline void filter_1d(int m, const v128_t* g, v128_t* t) {
  if (m == 2) {
    const v128_t h = SPL(0.5f);
    t[0] = g[0];
    t[1] = MUL(ADD(ADD(g[0], g[1]), g[2]), h);
    t[2] = MUL(ADD(SUB(g[0], g[1]), g[2]), h);
    t[3] = g[2];
  } else {
    const v128_t s6 = SPL(1.0f / 6.0f), s24 = SPL(1.0f / 24.0f), s12 = SPL(1.0f / 12.0f);
    t[0] = MUL(g[0], SPL(0.25f));
    t[1] = MUL(ADD(ADD(g[0], g[1]), g[2]), SPL(-1.0f / 6.0f));
    t[2] = MUL(ADD(SUB(g[0], g[1]), g[2]), SPL(-1.0f / 6.0f));
    const v128_t a = ADD(MUL(g[0], s24), MUL(g[2], s6)), b = MUL(g[1], s12);
    t[3] = ADD(a, b);
    t[4] = SUB(a, b);
    t[5] = g[2];
  }
}

// Input: t = Bᵀ d, d and t of length m+2.
static inline void input_1d(int m, const v128_t* d, v128_t* t) {
  if (m == 2) {
    t[0] = SUB(d[0], d[2]);
    t[1] = ADD(d[1], d[2]);
    t[2] = SUB(d[2], d[1]);
    t[3] = SUB(d[1], d[3]);
  } else {
    const v128_t four = SPL(4.0f), five = SPL(5.0f), two = SPL(2.0f);
    t[0] = ADD(SUB(MUL(four, d[0]), MUL(five, d[2])), d[4]);
    const v128_t a = SUB(d[4], MUL(four, d[2])), b = SUB(d[3], MUL(four, d[1]));
    t[1] = ADD(a, b);
    t[2] = SUB(a, b);
    const v128_t c = SUB(d[4], d[2]), e = MUL(two, SUB(d[3], d[1]));
    t[3] = ADD(c, e);
    t[4] = SUB(c, e);
    t[5] = ADD(SUB(MUL(four, d[1]), MUL(five, d[3])), d[5]);
  }
}

// Output: o = Aᵀ t, t of length m+2, o of length m.
static inline void output_1d(int m, const v128_t* t, v128_t* o) {
  if (m == 2) {
    o[0] = ADD(ADD(t[0], t[1]), t[2]);
    o[1] = SUB(SUB(t[1], t[2]), t[3]);
  } else {
    const v128_t p = ADD(t[1], t[2]), q = SUB(t[1], t[2]), r = ADD(t[3], t[4]), u = SUB(t[3], t[4]);
    o[0] = ADD(ADD(t[0], p), r);
    o[1] = ADD(q, MUL(SPL(2.0f), u));
    o[2] = ADD(p, MUL(SPL(4.0f), r));
    o[3] = ADD(ADD(q, MUL(SPL(8.0f), u)), t[5]);
  }
}

#define MAXA 6  // m + 2 for m = 4

// U_ξ = (G g Gᵀ)_ξ for every (ic, oc), written as (m+2)² matrices [inC, outC].
static void transform_filter(const conv_info* c, int m, const float* filter, float* U) {
  const int IC = c->inC, OC = c->outC, A = m + 2;
  const size_t plane = (size_t)IC * OC;
  for (int ic = 0; ic < IC; ic++) {
    for (int oc = 0; oc < OC; oc += 4) {
      v128_t g[3][3], t[MAXA][3];
      for (int kh = 0; kh < 3; kh++)
        for (int kw = 0; kw < 3; kw++) g[kh][kw] = wasm_v128_load(filter + ((size_t)(kh * 3 + kw) * IC + ic) * OC + oc);
      for (int kw = 0; kw < 3; kw++) {
        const v128_t col[3] = {g[0][kw], g[1][kw], g[2][kw]};
        v128_t out[MAXA];
        filter_1d(m, col, out);
        for (int i = 0; i < A; i++) t[i][kw] = out[i];
      }
      for (int i = 0; i < A; i++) {
        v128_t u[MAXA];
        filter_1d(m, t[i], u);
        for (int j = 0; j < A; j++) wasm_v128_store(U + (size_t)(i * A + j) * plane + (size_t)ic * OC + oc, u[j]);
      }
    }
  }
}

typedef struct {
  const conv_info* c;
  const float *x, *bias;
  float* y;
  const float* Up;  // (m+2)² packed B matrices
  size_t up_stride;
  float* scratch;
  size_t scratch_per_thread;
  int m, tiles_h, tiles_w, tiles_total, chunk, relu;
} wino_task;

// The body for one tile size; always inlined with a constant m so that every loop over
// the (m+2)×(m+2) domain unrolls and the transforms stay in registers.
static inline __attribute__((always_inline)) void wino_body(const wino_task* t, int tid, int T, const int m) {
  const conv_info* c = t->c;
  const int IC = c->inC, OC = c->outC, A = m + 2, AA = A * A;
  float* V = t->scratch + (size_t)tid * t->scratch_per_thread;
  float* M = V + (size_t)AA * t->chunk * IC;
  float* apack = M + (size_t)AA * t->chunk * OC;
  const size_t vplane = (size_t)t->chunk * IC, mplane = (size_t)t->chunk * OC;
  const int per_image = t->tiles_h * t->tiles_w;
  const v128_t zero = SPL(0);
  const int nchunks = (t->tiles_total + t->chunk - 1) / t->chunk;
  for (int ch = tid; ch < nchunks; ch += T) {
    const int t0 = ch * t->chunk, nt = imin(t->chunk, t->tiles_total - t0);
    // Input transform.
    for (int k = 0; k < nt; k++) {
      const int tile = t0 + k, b = tile / per_image, r = tile % per_image;
      const int ih0 = (r / t->tiles_w) * m - c->padTop, iw0 = (r % t->tiles_w) * m - c->padLeft;
      const int interior = ih0 >= 0 && iw0 >= 0 && ih0 + A <= c->inH && iw0 + A <= c->inW;
      const float* base = t->x + ((size_t)(b * c->inH + (interior ? ih0 : 0)) * c->inW + (interior ? iw0 : 0)) * IC;
      const size_t rowStride = (size_t)c->inW * IC;
      const float* rows[MAXA][MAXA];
      if (!interior) {
        for (int i = 0; i < A; i++) {
          for (int j = 0; j < A; j++) {
            const int ih = ih0 + i, iw = iw0 + j;
            rows[i][j] = (ih < 0 || ih >= c->inH || iw < 0 || iw >= c->inW) ? 0 : t->x + ((size_t)(b * c->inH + ih) * c->inW + iw) * IC;
          }
        }
      }
      float* dst = V + (size_t)k * IC;
      for (int ic = 0; ic < IC; ic += 4) {
        v128_t u[MAXA][MAXA];  // u = Bᵀ d, column by column
        for (int j = 0; j < A; j++) {
          v128_t d[MAXA], o[MAXA];
          if (interior) {
            for (int i = 0; i < A; i++) d[i] = wasm_v128_load(base + i * rowStride + (size_t)j * IC + ic);
          } else {
            for (int i = 0; i < A; i++) d[i] = rows[i][j] ? wasm_v128_load(rows[i][j] + ic) : zero;
          }
          input_1d(m, d, o);
          for (int i = 0; i < A; i++) u[i][j] = o[i];
        }
        for (int i = 0; i < A; i++) {
          v128_t v[MAXA];
          input_1d(m, u[i], v);
          for (int j = 0; j < A; j++) wasm_v128_store(dst + (size_t)(i * A + j) * vplane + ic, v[j]);
        }
      }
    }
    // The products in the transform domain.
    for (int xi = 0; xi < AA; xi++) {
      gemm_packed(0, nt, OC, IC, V + xi * vplane, IC, t->Up + xi * t->up_stride, M + xi * mplane, OC, 0, 0, 0, apack);
    }
    // Output transform, bias, relu.
    for (int k = 0; k < nt; k++) {
      const int tile = t0 + k, b = tile / per_image, r = tile % per_image;
      const int oh0 = (r / t->tiles_w) * m, ow0 = (r % t->tiles_w) * m;
      const int hmax = imin(m, c->outH - oh0), wmax = imin(m, c->outW - ow0);
      const float* src = M + (size_t)k * OC;
      for (int oc = 0; oc < OC; oc += 4) {
        v128_t s[4][MAXA];  // s = Aᵀ M, column by column
        for (int j = 0; j < A; j++) {
          v128_t col[MAXA], o[4];
          for (int i = 0; i < A; i++) col[i] = wasm_v128_load(src + (size_t)(i * A + j) * mplane + oc);
          output_1d(m, col, o);
          for (int i = 0; i < m; i++) s[i][j] = o[i];
        }
        const v128_t bv = t->bias ? wasm_v128_load(t->bias + oc) : zero;
        for (int i = 0; i < hmax; i++) {
          v128_t out[4];
          output_1d(m, s[i], out);
          float* row = t->y + ((size_t)(b * c->outH + oh0 + i) * c->outW + ow0) * OC + oc;
          for (int j = 0; j < wmax; j++) {
            v128_t v = ADD(out[j], bv);
            if (t->relu) v = wasm_f32x4_max(v, zero);
            wasm_v128_store(row + (size_t)j * OC, v);
          }
        }
      }
    }
  }
}

static void wino_run(void* p, int tid, int T) {
  const wino_task* t = (const wino_task*)p;
  if (t->m == 4) wino_body(t, tid, T, 4);
  else wino_body(t, tid, T, 2);
}

void winograd_conv2d(const float* x, const float* filter, float* y, const conv_info* c, const float* bias, int relu) {
  const int IC = c->inC, OC = c->outC;
  const int m = c->outH >= 8 && c->outW >= 8 ? 4 : 2, A = m + 2, AA = A * A;
  float* U = falloc((size_t)AA * IC * OC);
  transform_filter(c, m, filter, U);
  const size_t up_stride = gemm_packed_b_size(IC, OC);
  float* Up = falloc(AA * up_stride);
  for (int xi = 0; xi < AA; xi++) gemm_pack_b(0, IC, OC, U + (size_t)xi * IC * OC, OC, Up + xi * up_stride);
  wino_task t;
  t.c = c;
  t.x = x;
  t.bias = bias;
  t.y = y;
  t.Up = Up;
  t.up_stride = up_stride;
  t.relu = relu;
  t.m = m;
  t.tiles_h = (c->outH + m - 1) / m;
  t.tiles_w = (c->outW + m - 1) / m;
  t.tiles_total = c->batch * t.tiles_h * t.tiles_w;
  // About 512 KiB of transformed tiles per chunk.
  int chunk = 131072 / (AA * (IC + OC));
  chunk = chunk < 8 ? 8 : chunk > 256 ? 256 : chunk;
  t.chunk = chunk & ~3;
  t.scratch_per_thread = ((size_t)AA * t.chunk * (IC + OC) + gemm_apack_size() + 15) & ~(size_t)15;
  const double macs = (double)t.tiles_total * AA * IC * OC;
  const int T = macs < (1 << 18) ? 1 : nt_threads();
  t.scratch = falloc(t.scratch_per_thread * T);
  parallel_run(wino_run, &t, T);
}
