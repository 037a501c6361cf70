// 2-D convolution (NHWC input, HWIO filter) as im2col + the packed GEMM, in chunks of
// output rows so the column buffer stays in cache. A 1×1, stride-1, unpadded convolution
// skips im2col: its input rows are the GEMM's rows. Groups run one GEMM each.
#include "nt.h"

typedef struct {
  int batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, groups;
} conv_info;

static inline int imin(int a, int b) { return a < b ? a : b; }
static int threads_for(double macs) { return macs < (1 << 18) ? 1 : nt_threads(); }

static int is_direct(const conv_info* c) {
  return c->kH == 1 && c->kW == 1 && c->strideH == 1 && c->strideW == 1 && (c->padTop | c->padLeft) == 0 &&
         c->outH == c->inH && c->outW == c->inW;
}

// Rows [p0, p0+rows) of the column matrix of group g: row p = output pixel, columns (kh, kw, ic).
static void im2col(const conv_info* c, const float* x, int g, int p0, int rows, float* col) {
  const int inCg = c->inC / c->groups;
  const int K = c->kH * c->kW * inCg;
  const int hw = c->outH * c->outW;
  for (int r = 0; r < rows; r++) {
    const int p = p0 + r;
    const int b = p / hw, rem = p % hw, oh = rem / c->outW, ow = rem % c->outW;
    float* dst = col + (size_t)r * K;
    for (int kh = 0; kh < c->kH; kh++) {
      const int ih = oh * c->strideH - c->padTop + kh * c->dilationH;
      for (int kw = 0; kw < c->kW; kw++, dst += inCg) {
        const int iw = ow * c->strideW - c->padLeft + kw * c->dilationW;
        if (ih < 0 || ih >= c->inH || iw < 0 || iw >= c->inW) {
          for (int i = 0; i < inCg; i++) dst[i] = 0.0f;
        } else {
          const float* src = x + ((size_t)(b * c->inH + ih) * c->inW + iw) * c->inC + g * inCg;
          if (inCg == 1) dst[0] = src[0];
          else nt_copy(dst, src, inCg);
        }
      }
    }
  }
}

// Adds the column-matrix rows back onto the input gradient (the adjoint of im2col).
static void col2im(const conv_info* c, const float* col, int g, int p0, int rows, float* dx) {
  const int inCg = c->inC / c->groups;
  const int K = c->kH * c->kW * inCg;
  const int hw = c->outH * c->outW;
  for (int r = 0; r < rows; r++) {
    const int p = p0 + r;
    const int b = p / hw, rem = p % hw, oh = rem / c->outW, ow = rem % c->outW;
    const float* src = col + (size_t)r * K;
    for (int kh = 0; kh < c->kH; kh++) {
      const int ih = oh * c->strideH - c->padTop + kh * c->dilationH;
      for (int kw = 0; kw < c->kW; kw++, src += inCg) {
        const int iw = ow * c->strideW - c->padLeft + kw * c->dilationW;
        if (ih < 0 || ih >= c->inH || iw < 0 || iw >= c->inW) continue;
        float* dst = dx + ((size_t)(b * c->inH + ih) * c->inW + iw) * c->inC + g * inCg;
        int i = 0;
        for (; i + 4 <= inCg; i += 4) wasm_v128_store(dst + i, wasm_f32x4_add(wasm_v128_load(dst + i), wasm_v128_load(src + i)));
        for (; i < inCg; i++) dst[i] += src[i];
      }
    }
  }
}

// Rows [p0, p0+rows) of group g's GEMM input: the input pixels themselves for a direct
// (1×1) convolution, else their im2col columns in `col`. Sets *lda.
static const float* group_rows(const conv_info* c, const float* x, int g, int p0, int rows, int direct, float* col, int* lda) {
  const int inCg = c->inC / c->groups;
  if (direct) {
    *lda = c->inC;
    return x + (size_t)p0 * c->inC + g * inCg;
  }
  im2col(c, x, g, p0, rows, col);
  *lda = c->kH * c->kW * inCg;
  return col;
}

// Output rows per chunk: about 64 KiB of columns, a multiple of MR.
static int chunk_rows(int K) {
  int r = 16384 / (K > 0 ? K : 1);
  if (r < 16) r = 16;
  if (r > 1024) r = 1024;
  return r & ~(MR - 1);
}

typedef struct {
  const conv_info* c;
  const float *x, *dy, *filter, *bias;
  float *y, *dx, *dw;
  const float* const* bpacks;  // one packed B per group
  float* scratch;              // per thread: column chunk + A pack (+ B pack / partial dW)
  size_t scratch_per_thread;
  int relu, rows_total, chunk;
} conv_task;

// Gives each of T threads `floats` of scratch (rounded up to whole cache lines) and runs fn.
static void run_chunked(task_fn fn, conv_task* t, size_t floats, int T) {
  t->scratch_per_thread = (floats + 15) & ~(size_t)15;
  t->scratch = falloc(t->scratch_per_thread * T);
  parallel_run(fn, task_copy(t, sizeof *t), T);
}

// Forward: y = act(im2col(x) · W + bias), threads over row chunks.
static void conv_forward_run(void* p, int tid, int T) {
  const conv_task* t = (const conv_task*)p;
  const conv_info* c = t->c;
  const int inCg = c->inC / c->groups, outCg = c->outC / c->groups;
  const int K = c->kH * c->kW * inCg;
  float* col = t->scratch + (size_t)tid * t->scratch_per_thread;
  float* apack = col + (size_t)t->chunk * K;
  const int direct = is_direct(c);
  const int nchunks = (t->rows_total + t->chunk - 1) / t->chunk;
  for (int ch = tid; ch < nchunks; ch += T) {
    const int p0 = ch * t->chunk, rows = imin(t->chunk, t->rows_total - p0);
    for (int g = 0; g < c->groups; g++) {
      int lda;
      const float* A = group_rows(c, t->x, g, p0, rows, direct, col, &lda);
      gemm_packed(0, rows, outCg, K, A, lda, t->bpacks[g], t->y + (size_t)p0 * c->outC + g * outCg, c->outC, 0,
                  t->bias ? t->bias + g * outCg : 0, t->relu, apack);
    }
  }
}


// Few input taps per output (K = kH·kW·inC ≤ 32, e.g. a first layer on grey or RGB
// images): im2col would copy more than the GEMM computes. Instead each output pixel
// accumulates its taps straight from the input, 16 output channels per register block.
static int small_k_applies(const conv_info* c) {
  return c->groups == 1 && c->kH * c->kW * c->inC <= 32 && c->outC % 4 == 0;
}

typedef struct {
  const conv_info* c;
  const float *x, *filter, *bias;
  float* y;
  int relu, pixels;
} small_k_task;

static void small_k_run(void* p, int tid, int T) {
  const small_k_task* t = (const small_k_task*)p;
  const conv_info* c = t->c;
  const int OC = c->outC, hw = c->outH * c->outW;
  const int per = (t->pixels + T - 1) / T;
  const int p0 = tid * per, p1 = imin(t->pixels, p0 + per);
  const v128_t zero = wasm_f32x4_splat(0);
  for (int px = p0; px < p1; px++) {
    const int b = px / hw, rem = px % hw, oh = rem / c->outW, ow = rem % c->outW;
    float* out = t->y + (size_t)px * OC;
    for (int oc = 0; oc < OC; oc += 16) {
      const int nv = imin(16, OC - oc) / 4;
      v128_t acc[4];
      for (int v = 0; v < 4; v++) acc[v] = (t->bias && v < nv) ? wasm_v128_load(t->bias + oc + 4 * v) : zero;
      for (int kh = 0; kh < c->kH; kh++) {
        const int ih = oh * c->strideH - c->padTop + kh * c->dilationH;
        if (ih < 0 || ih >= c->inH) continue;
        for (int kw = 0; kw < c->kW; kw++) {
          const int iw = ow * c->strideW - c->padLeft + kw * c->dilationW;
          if (iw < 0 || iw >= c->inW) continue;
          const float* xs = t->x + ((size_t)(b * c->inH + ih) * c->inW + iw) * c->inC;
          const float* ws = t->filter + ((size_t)(kh * c->kW + kw) * c->inC) * OC + oc;
          for (int ic = 0; ic < c->inC; ic++, ws += OC) {
            const v128_t xv = wasm_f32x4_splat(xs[ic]);
            if (nv == 4) {
              acc[0] = wasm_f32x4_add(acc[0], wasm_f32x4_mul(xv, wasm_v128_load(ws)));
              acc[1] = wasm_f32x4_add(acc[1], wasm_f32x4_mul(xv, wasm_v128_load(ws + 4)));
              acc[2] = wasm_f32x4_add(acc[2], wasm_f32x4_mul(xv, wasm_v128_load(ws + 8)));
              acc[3] = wasm_f32x4_add(acc[3], wasm_f32x4_mul(xv, wasm_v128_load(ws + 12)));
            } else {
              for (int v = 0; v < nv; v++) acc[v] = wasm_f32x4_add(acc[v], wasm_f32x4_mul(xv, wasm_v128_load(ws + 4 * v)));
            }
          }
        }
      }
      for (int v = 0; v < nv; v++) wasm_v128_store(out + oc + 4 * v, t->relu ? wasm_f32x4_max(acc[v], zero) : acc[v]);
    }
  }
}

// Each group's filter slice packed as the GEMM's B: W_g [K, outCg] for the forward pass,
// or (transposed) W_gᵀ [outCg, K] for the input gradient, read from W's [K, outC] layout.
static const float** pack_filters(const conv_info* c, const float* filter, int transposed) {
  const int outCg = c->outC / c->groups;
  const int K = c->kH * c->kW * (c->inC / c->groups);
  const float** bp = (const float**)nt_arena_alloc(sizeof(float*) * c->groups);
  for (int g = 0; g < c->groups; g++) {
    float* b = falloc(transposed ? gemm_packed_b_size(outCg, K) : gemm_packed_b_size(K, outCg));
    if (transposed) gemm_pack_b(1, outCg, K, filter + g * outCg, c->outC, b);
    else gemm_pack_b(0, K, outCg, filter + g * outCg, c->outC, b);
    bp[g] = b;
  }
  return bp;
}

int winograd_applies(const conv_info* c);
void winograd_conv2d(const float* x, const float* filter, float* y, const conv_info* c, const float* bias, int relu);

void EXPORT(nt_conv2d)(const float* x, const float* filter, float* y, const conv_info* c, const float* bias, int relu) {
  if (winograd_applies(c)) {
    winograd_conv2d(x, filter, y, c, bias, relu);
    return;
  }
  if (small_k_applies(c)) {
    small_k_task t = {c, x, filter, bias, y, relu, c->batch * c->outH * c->outW};
    parallel_run(small_k_run, task_copy(&t, sizeof t), threads_for((double)t.pixels * c->kH * c->kW * c->inC * c->outC));
    return;
  }
  const int inCg = c->inC / c->groups;
  const int K = c->kH * c->kW * inCg;
  const float** bp = pack_filters(c, filter, 0);
  const int rows_total = c->batch * c->outH * c->outW;
  const int T = threads_for((double)rows_total * K * c->outC);
  conv_task t = {c, x, 0, filter, bias, y, 0, 0, bp, 0, 0, relu, rows_total, chunk_rows(K)};
  run_chunked(conv_forward_run, &t, (size_t)t.chunk * K + gemm_apack_size(), T);
}

// Input gradient: dcol = dy · Wᵀ, then col2im; threads over whole images so no two add
// into the same pixel.
static void conv_backprop_input_run(void* p, int tid, int T) {
  const conv_task* t = (const conv_task*)p;
  const conv_info* c = t->c;
  const int inCg = c->inC / c->groups, outCg = c->outC / c->groups;
  const int K = c->kH * c->kW * inCg;
  const int hw = c->outH * c->outW;
  float* col = t->scratch + (size_t)tid * t->scratch_per_thread;
  float* apack = col + (size_t)t->chunk * K;
  const int direct = is_direct(c);
  for (int b = tid; b < c->batch; b += T) {
    for (int q = 0; q < hw; q += t->chunk) {
      const int p0 = b * hw + q, rows = imin(t->chunk, hw - q);
      for (int g = 0; g < c->groups; g++) {
        const float* A = t->dy + (size_t)p0 * c->outC + g * outCg;
        if (direct) {
          gemm_packed(0, rows, K, outCg, A, c->outC, t->bpacks[g], t->dx + (size_t)p0 * c->inC + g * inCg, c->inC, 0, 0, 0,
                      apack);
        } else {
          gemm_packed(0, rows, K, outCg, A, c->outC, t->bpacks[g], col, K, 0, 0, 0, apack);
          col2im(c, col, g, p0, rows, t->dx);
        }
      }
    }
  }
}

void EXPORT(nt_conv2d_backprop_input)(const float* dy, const float* filter, float* dx, const conv_info* c) {
  if (winograd_applies(c) && c->padTop <= 2 && c->padLeft <= 2) {
    // The input gradient of a 3×3 stride-1 convolution is a 3×3 convolution of dy with the
    // filter rotated 180° and its channel axes swapped, padded by 2 − pad.
    const int IC = c->inC, OC = c->outC;
    float* rot = falloc((size_t)9 * IC * OC);
    for (int k = 0; k < 9; k++)
      for (int ic = 0; ic < IC; ic++)
        for (int oc = 0; oc < OC; oc++) rot[((size_t)(8 - k) * OC + oc) * IC + ic] = filter[((size_t)k * IC + ic) * OC + oc];
    conv_info t = *c;
    t.inH = c->outH;
    t.inW = c->outW;
    t.inC = OC;
    t.outH = c->inH;
    t.outW = c->inW;
    t.outC = IC;
    t.padTop = 2 - c->padTop;
    t.padLeft = 2 - c->padLeft;
    winograd_conv2d(dy, rot, dx, &t, 0, 0);
    return;
  }
  const int inCg = c->inC / c->groups;
  const int K = c->kH * c->kW * inCg;
  if (!is_direct(c)) nt_zero(dx, (size_t)c->batch * c->inH * c->inW * c->inC);
  const float** bp = pack_filters(c, filter, 1);
  int T = threads_for((double)c->batch * c->outH * c->outW * K * c->outC);
  if (T > c->batch) T = c->batch;
  conv_task t = {c, 0, dy, filter, 0, 0, dx, 0, bp, 0, 0, 0, c->batch * c->outH * c->outW, chunk_rows(K)};
  run_chunked(conv_backprop_input_run, &t, (size_t)t.chunk * K + gemm_apack_size(), T);
}

// Filter gradient: dW += colᵀ · dy per chunk; each thread sums into its own partial dW.
static void conv_backprop_filter_run(void* p, int tid, int T) {
  const conv_task* t = (const conv_task*)p;
  const conv_info* c = t->c;
  const int inCg = c->inC / c->groups, outCg = c->outC / c->groups;
  const int K = c->kH * c->kW * inCg;
  float* col = t->scratch + (size_t)tid * t->scratch_per_thread;
  float* apack = col + (size_t)t->chunk * K;
  float* bpack = apack + gemm_apack_size();
  float* dw = bpack + gemm_packed_b_size(t->chunk, outCg);
  nt_zero(dw, (size_t)K * c->outC);
  const int direct = is_direct(c);
  const int nchunks = (t->rows_total + t->chunk - 1) / t->chunk;
  for (int ch = tid; ch < nchunks; ch += T) {
    const int p0 = ch * t->chunk, rows = imin(t->chunk, t->rows_total - p0);
    for (int g = 0; g < c->groups; g++) {
      int lda;
      const float* A = group_rows(c, t->x, g, p0, rows, direct, col, &lda);
      gemm_pack_b(0, rows, outCg, t->dy + (size_t)p0 * c->outC + g * outCg, c->outC, bpack);
      gemm_packed(1, K, outCg, rows, A, lda, bpack, dw + g * outCg, c->outC, 1, 0, 0, apack);
    }
  }
}

void EXPORT(nt_conv2d_backprop_filter)(const float* x, const float* dy, float* dw, const conv_info* c) {
  const int inCg = c->inC / c->groups, outCg = c->outC / c->groups;
  const int K = c->kH * c->kW * inCg;
  const int rows_total = c->batch * c->outH * c->outW;
  const int T = threads_for((double)rows_total * K * c->outC);
  conv_task t = {c, x, dy, 0, 0, 0, 0, 0, 0, 0, 0, 0, rows_total, chunk_rows(K)};
  run_chunked(conv_backprop_filter_run, &t, (size_t)t.chunk * K + gemm_apack_size() + gemm_packed_b_size(t.chunk, outCg) + (size_t)K * c->outC, T);
  const size_t n = (size_t)K * c->outC;
  for (size_t i = 0; i < n; i++) {
    float s = 0.0f;
    for (int k = 0; k < T; k++) {
      const float* part = t.scratch + (size_t)k * t.scratch_per_thread + (size_t)t.chunk * K + gemm_apack_size() +
                          gemm_packed_b_size(t.chunk, outCg);
      s += part[i];
    }
    dw[i] = s;
  }
}
