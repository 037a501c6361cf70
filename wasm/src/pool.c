// Max and average pooling over NHWC images (vectorized over channels) and their gradients.
#include "nt.h"

typedef struct {
  int mode_max, batch, inH, inW, channels, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft,
      padBottom, padRight, countIncludePad;
} pool_info;

static int avg_divisor(const pool_info* p, int oh, int ow) {
  const int loH = p->countIncludePad ? -p->padTop : 0, hiH = p->countIncludePad ? p->inH + p->padBottom : p->inH;
  const int loW = p->countIncludePad ? -p->padLeft : 0, hiW = p->countIncludePad ? p->inW + p->padRight : p->inW;
  int rows = 0, cols = 0;
  for (int kh = 0; kh < p->kH; kh++) {
    const int ih = oh * p->strideH - p->padTop + kh * p->dilationH;
    if (ih >= loH && ih < hiH) rows++;
  }
  for (int kw = 0; kw < p->kW; kw++) {
    const int iw = ow * p->strideW - p->padLeft + kw * p->dilationW;
    if (iw >= loW && iw < hiW) cols++;
  }
  return rows * cols;
}

// max that keeps NaN from either side, like the reference (x > acc || isnan(x)).
static inline v128_t max_nan(v128_t acc, v128_t x) {
  const v128_t take = wasm_v128_or(wasm_f32x4_gt(x, acc), wasm_f32x4_ne(x, x));
  return wasm_v128_bitselect(x, acc, take);
}

// The in-bounds taps of window (n, oh, ow) as offsets of their pixels in x (taps in
// window order: kh, then kw); returns how many there are.
static int window_taps(const pool_info* p, int n, int oh, int ow, int32_t* taps) {
  int count = 0;
  for (int kh = 0; kh < p->kH; kh++) {
    const int ih = oh * p->strideH - p->padTop + kh * p->dilationH;
    if (ih < 0 || ih >= p->inH) continue;
    for (int kw = 0; kw < p->kW; kw++) {
      const int iw = ow * p->strideW - p->padLeft + kw * p->dilationW;
      if (iw < 0 || iw >= p->inW) continue;
      taps[count++] = (int32_t)(((size_t)(n * p->inH + ih) * p->inW + iw) * p->channels);
    }
  }
  return count;
}

typedef struct {
  const pool_info* p;
  const float* x;
  float* y;
  int32_t* taps;  // kH·kW per thread
} pool_task;

// Output rows (n, oh) split over threads; each output pixel is reduced straight into y,
// four channels at a time.
static void pool_run(void* arg, int tid, int T) {
  const pool_task* t = (const pool_task*)arg;
  const pool_info* p = t->p;
  const int C = p->channels, rows = p->batch * p->outH;
  const int per = (rows + T - 1) / T;
  const int r0 = tid * per, r1 = r0 + per < rows ? r0 + per : rows;
  int32_t* taps = t->taps + (size_t)tid * p->kH * p->kW;
  for (int row = r0; row < r1; row++) {
    const int n = row / p->outH, oh = row % p->outH;
    for (int ow = 0; ow < p->outW; ow++) {
      float* dst = t->y + ((size_t)row * p->outW + ow) * C;
      const float init = p->mode_max ? -__builtin_inff() : 0.0f;
      const v128_t vinit = wasm_f32x4_splat(init);
      int c = 0;
      for (; c + 4 <= C; c += 4) wasm_v128_store(dst + c, vinit);
      for (; c < C; c++) dst[c] = init;
      const int count = window_taps(p, n, oh, ow, taps);
      for (int k = 0; k < count; k++) {
        const float* src = t->x + taps[k];
        c = 0;
        if (p->mode_max) {
          for (; c + 4 <= C; c += 4) wasm_v128_store(dst + c, max_nan(wasm_v128_load(dst + c), wasm_v128_load(src + c)));
          for (; c < C; c++) if (src[c] > dst[c] || src[c] != src[c]) dst[c] = src[c];
        } else {
          for (; c + 4 <= C; c += 4) wasm_v128_store(dst + c, wasm_f32x4_add(wasm_v128_load(dst + c), wasm_v128_load(src + c)));
          for (; c < C; c++) dst[c] += src[c];
        }
      }
      if (!p->mode_max) {
        const int d = avg_divisor(p, oh, ow);
        for (c = 0; c < C; c++) dst[c] = d > 0 ? dst[c] / (float)d : 0.0f;
      }
    }
  }
}

void EXPORT(nt_pool2d)(const float* x, float* y, const pool_info* p) {
  const double work = (double)p->batch * p->outH * p->outW * p->channels * p->kH * p->kW;
  const int T = work < (1 << 18) ? 1 : nt_threads();
  pool_task t = {p, x, y, (int32_t*)nt_arena_alloc(sizeof(int32_t) * (size_t)T * p->kH * p->kW)};
  parallel_run(pool_run, task_copy(&t, sizeof t), T);
}

// Max pooling's gradient, four channels at a time: the first tap of each window is taken,
// later taps only when strictly greater (as the reference), then dy is added at the winner.
static void max_pool_grad_simd(const float* x, const float* dy, float* dx, const pool_info* p) {
  const int C = p->channels;
  int32_t* taps = (int32_t*)nt_arena_alloc(sizeof(int32_t) * (size_t)p->kH * p->kW);
  for (int n = 0; n < p->batch; n++) {
    for (int oh = 0; oh < p->outH; oh++) {
      for (int ow = 0; ow < p->outW; ow++) {
        const int nt = window_taps(p, n, oh, ow, taps);
        if (nt == 0) continue;
        const float* g = dy + ((size_t)(n * p->outH + oh) * p->outW + ow) * C;
        for (int c = 0; c < C; c += 4) {
          v128_t best = wasm_v128_load(x + taps[0] + c);
          v128_t win = wasm_i32x4_splat(0);
          for (int k = 1; k < nt; k++) {
            const v128_t v = wasm_v128_load(x + taps[k] + c);
            const v128_t gt = wasm_f32x4_gt(v, best);
            best = wasm_v128_bitselect(v, best, gt);
            win = wasm_v128_bitselect(wasm_i32x4_splat(k), win, gt);
          }
          const v128_t gv = wasm_v128_load(g + c);
          for (int k = 0; k < nt; k++) {
            const v128_t add = wasm_v128_and(gv, wasm_i32x4_eq(win, wasm_i32x4_splat(k)));
            float* d = dx + taps[k] + c;
            wasm_v128_store(d, wasm_f32x4_add(wasm_v128_load(d), add));
          }
        }
      }
    }
  }
}

// Max: the gradient goes to the first maximal tap; average: spread evenly.
void EXPORT(nt_pool2d_grad)(const float* x, const float* dy, float* dx, const pool_info* p) {
  const int C = p->channels;
  nt_zero(dx, (size_t)p->batch * p->inH * p->inW * C);
  if (p->mode_max && C % 4 == 0) {
    max_pool_grad_simd(x, dy, dx, p);
    return;
  }
  int32_t* taps = (int32_t*)nt_arena_alloc(sizeof(int32_t) * (size_t)p->kH * p->kW);
  float* best = falloc(C);
  int32_t* where = (int32_t*)nt_arena_alloc(sizeof(int32_t) * (size_t)C);
  for (int n = 0; n < p->batch; n++) {
    for (int oh = 0; oh < p->outH; oh++) {
      for (int ow = 0; ow < p->outW; ow++) {
        const float* g = dy + ((size_t)(n * p->outH + oh) * p->outW + ow) * C;
        if (p->mode_max) {
          for (int c = 0; c < C; c++) {
            best[c] = -__builtin_inff();
            where[c] = -1;
          }
        }
        const int d = p->mode_max ? 1 : avg_divisor(p, oh, ow);
        if (d == 0) continue;
        const int count = window_taps(p, n, oh, ow, taps);
        for (int k = 0; k < count; k++) {
          const size_t pix = (size_t)taps[k];
          if (p->mode_max) {
            for (int c = 0; c < C; c++) {
              const float v = x[pix + c];
              if (v > best[c] || where[c] < 0) {
                best[c] = v;
                where[c] = (int32_t)(pix + c);
              }
            }
          } else {
            for (int c = 0; c < C; c++) dx[pix + c] += g[c] / (float)d;
          }
        }
        if (p->mode_max) {
          for (int c = 0; c < C; c++) if (where[c] >= 0) dx[where[c]] += g[c];
        }
      }
    }
  }
}
