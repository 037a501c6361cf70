// Reductions over the middle axis of [outer, n, inner] (float64 accumulation like the
// reference backend), softmax / log-softmax and their gradients, and transpose.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels.h"
#include "nt_ops.h"
#include "threadpool.h"

namespace neurite {
namespace {

constexpr int64_t kGrain = 1 << 14;

// Ops are the op table's REDUCE list (nt_ops.h).
double init_of(int op) {
  switch (op) {
    case NT_REDUCE_MAX: return -std::numeric_limits<double>::infinity();
    case NT_REDUCE_MIN: return std::numeric_limits<double>::infinity();
    case NT_REDUCE_PROD: return 1.0;
    default: return 0.0;
  }
}

inline double combine(int op, double acc, double v) {
  switch (op) {
    case NT_REDUCE_MAX: return (v > acc || std::isnan(v)) ? v : acc;
    case NT_REDUCE_MIN: return (v < acc || std::isnan(v)) ? v : acc;
    case NT_REDUCE_PROD: return acc * v;
    default: return acc + v;
  }
}

// Reduces x[o, r, i] for r in [r0, r1) into acc[i] (inner-length row).
void reduce_rows(int op, const float* x, int64_t o, int64_t n, int64_t inner, int64_t i0, int64_t i1, int64_t r0,
                 int64_t r1, double* acc) {
  for (int64_t r = r0; r < r1; r++) {
    const float* row = x + (o * n + r) * inner;
    if (op == NT_REDUCE_SUM || op == NT_REDUCE_MEAN) {
      for (int64_t i = i0; i < i1; i++) acc[i] += row[i];
    } else {
      for (int64_t i = i0; i < i1; i++) acc[i] = combine(op, acc[i], row[i]);
    }
  }
}

}  // namespace

bool reduce(int op, const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
  if (op < 0 || op >= NT_REDUCE_COUNT) return false;
  const double init = init_of(op);
  const double scale = op == NT_REDUCE_MEAN ? 1.0 / static_cast<double>(n) : 1.0;
  const int threads = num_threads();
  if (outer >= threads || outer * n * inner < kGrain) {
    // Parallel over independent outputs.
    parallel_for(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n * inner)), [&](int64_t o0, int64_t o1) {
      std::vector<double> acc(inner);
      for (int64_t o = o0; o < o1; o++) {
        std::fill(acc.begin(), acc.end(), init);
        if (inner == 1 && (op == NT_REDUCE_SUM || op == NT_REDUCE_MEAN)) {
          const float* row = x + o * n;
          double s = 0;
          for (int64_t r = 0; r < n; r++) s += row[r];
          acc[0] = s;
        } else {
          reduce_rows(op, x, o, n, inner, 0, inner, 0, n, acc.data());
        }
        for (int64_t i = 0; i < inner; i++) y[o * inner + i] = static_cast<float>(acc[i] * scale);
      }
    });
    return true;
  }
  // Few outputs: split the reduced axis across threads, then combine the partial results.
  std::vector<std::vector<double>> partial(threads, std::vector<double>(outer * inner, init));
  const int64_t tasks = std::min<int64_t>(n, threads);
  parallel_tasks(tasks, [&](int64_t t, int thread) {
    const int64_t r0 = t * n / tasks, r1 = (t + 1) * n / tasks;
    for (int64_t o = 0; o < outer; o++) reduce_rows(op, x, o, n, inner, 0, inner, r0, r1, partial[thread].data() + o * inner);
  });
  for (int64_t k = 0; k < outer * inner; k++) {
    double acc = init;
    for (int t = 0; t < threads; t++) acc = (op == NT_REDUCE_SUM || op == NT_REDUCE_MEAN) ? acc + partial[t][k] : combine(op, acc, partial[t][k]);
    y[k] = static_cast<float>(acc * scale);
  }
  return true;
}

namespace {

// Softmax over contiguous rows (inner == 1, the last axis): max, then e = exp(x − max) written
// to y while summed in 16 float lanes, then y · 1/sum; every loop vectorizes.
void softmax_rows(const float* x, float* y, int64_t rows, int64_t n, bool log) {
  constexpr int kLanes = 16;
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n)), [&](int64_t b, int64_t e) {
    for (int64_t row = b; row < e; row++) {
      const float* xp = x + row * n;
      float* yp = y + row * n;
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t r = 0; r < n; r++) mx = xp[r] > mx ? xp[r] : mx;
      float lanes[kLanes] = {};
      const int64_t whole = n - n % kLanes;
      for (int64_t r = 0; r < whole; r += kLanes) {
        for (int j = 0; j < kLanes; j++) {
          const float v = exp_poly(xp[r + j] - mx);
          if (!log) yp[r + j] = v;
          lanes[j] += v;
        }
      }
      double sum = 0;
      for (int64_t r = whole; r < n; r++) {
        const float v = exp_poly(xp[r] - mx);
        if (!log) yp[r] = v;
        sum += v;
      }
      for (int j = 0; j < kLanes; j++) sum += lanes[j];
      if (log) {
        const float lse = static_cast<float>(mx + std::log(sum));
        for (int64_t r = 0; r < n; r++) yp[r] = xp[r] - lse;
      } else {
        const float inv = static_cast<float>(1.0 / sum);
        for (int64_t r = 0; r < n; r++) yp[r] *= inv;
      }
    }
  });
}

}  // namespace

void softmax(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, bool log) {
  if (inner == 1) return softmax_rows(x, y, outer, n, log);
  parallel_for(outer * inner, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n)), [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; k++) {
      const int64_t o = k / inner, i = k % inner;
      const float* xp = x + o * n * inner + i;
      float* yp = y + o * n * inner + i;
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t r = 0; r < n; r++) mx = std::max(mx, xp[r * inner]);
      double sum = 0;
      for (int64_t r = 0; r < n; r++) sum += exp_poly(xp[r * inner] - mx);
      if (log) {
        const double lse = mx + std::log(sum);
        for (int64_t r = 0; r < n; r++) yp[r * inner] = static_cast<float>(xp[r * inner] - lse);
      } else {
        const float inv = static_cast<float>(1.0 / sum);
        for (int64_t r = 0; r < n; r++) yp[r * inner] = exp_poly(xp[r * inner] - mx) * inv;
      }
    }
  });
}

void softmax_grad(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner, bool log) {
  parallel_for(outer * inner, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n)), [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; k++) {
      const int64_t base = (k / inner) * n * inner + k % inner;
      double s = 0;
      if (log) {
        for (int64_t r = 0; r < n; r++) s += dy[base + r * inner];
        const float sf = static_cast<float>(s);
        for (int64_t r = 0; r < n; r++) dx[base + r * inner] = dy[base + r * inner] - exp_poly(y[base + r * inner]) * sf;
      } else {
        for (int64_t r = 0; r < n; r++) s += static_cast<double>(dy[base + r * inner]) * y[base + r * inner];
        const float sf = static_cast<float>(s);
        for (int64_t r = 0; r < n; r++) dx[base + r * inner] = y[base + r * inner] * (dy[base + r * inner] - sf);
      }
    }
  });
}

void transpose(const float* x, float* y, int rank, const int32_t* shape, const int32_t* perm) {
  std::vector<int64_t> inStride(rank), outShape(rank), src(rank);
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; d--) {
    inStride[d] = s;
    s *= shape[d];
  }
  for (int d = 0; d < rank; d++) {
    outShape[d] = shape[perm[d]];
    src[d] = inStride[perm[d]];
  }
  const int64_t len = rank > 0 ? outShape[rank - 1] : 1;
  const int64_t step = rank > 0 ? src[rank - 1] : 1;
  const int64_t rows = len == 0 ? 0 : s / len;
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, len)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      int64_t off = 0, rem = r;
      for (int d = rank - 2; d >= 0; d--) {
        off += (rem % outShape[d]) * src[d];
        rem /= outShape[d];
      }
      float* out = y + r * len;
      for (int64_t j = 0; j < len; j++) out[j] = x[off + j * step];
    }
  });
}

}  // namespace neurite
