// The machine's measured fp32 peak (for benchmarks' "% of peak"): every thread of the pool
// runs independent chains of vector multiply-adds (GCC vector extensions, so -march=native
// picks the widest FMA the CPU has) for `seconds`.
#include <atomic>
#include <chrono>

#include "kernels.h"
#include "threadpool.h"

namespace neurite {

typedef float v16 __attribute__((vector_size(64)));

double peak_gflops(double seconds) {
  const int threads = num_threads();
  std::atomic<int64_t> flops{0};
  const auto start = std::chrono::steady_clock::now();
  parallel_tasks(threads, [&](int64_t, int) {
    v16 acc[12];
    const v16 a = {1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f,
                   1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f};
    const v16 b = a * 1e-7f;
    for (int i = 0; i < 12; i++) acc[i] = a * static_cast<float>(i);
    int64_t local = 0;
    while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
      for (int r = 0; r < 4096; r++) {
        for (int i = 0; i < 12; i++) acc[i] = acc[i] * a + b;
      }
      local += 4096LL * 12 * 16 * 2;
    }
    float sink = 0;
    for (int i = 0; i < 12; i++) sink += acc[i][0];
    if (sink == 12345.0f) local++;  // keep the chains alive
    flops += local;
  });
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(flops.load()) / s / 1e9;
}

}  // namespace neurite
