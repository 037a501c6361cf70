// Dropout masks from the exact generator of src/tensor/rng.ts, so a seed gives the same
// mask on the native and js backends.
#include <cmath>
#include <cstdint>

#include <algorithm>

#include "kernels.h"
#include "threadpool.h"

namespace neurite {
namespace {

inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

class Rng {
 public:
  explicit Rng(double seed) {
    // JS: (Math.floor(seed) ^ Math.floor(seed / 2^32)) >>> 0, where ^ works on int32 (mod 2^32).
    const double f = std::floor(seed);
    const uint32_t lo = static_cast<uint32_t>(static_cast<int64_t>(std::fmod(f, 4294967296.0)));
    const uint32_t hi = static_cast<uint32_t>(static_cast<int64_t>(std::fmod(std::floor(seed / 4294967296.0), 4294967296.0)));
    x_ = lo ^ hi;
    s0_ = next_seed();
    s1_ = next_seed();
    s2_ = next_seed();
    s3_ = next_seed();
    if ((s0_ | s1_ | s2_ | s3_) == 0) s0_ = 1;
  }

  uint32_t next() {
    const uint32_t result = rotl(s1_ * 5u, 7) * 9u;
    const uint32_t t = s1_ << 9;
    s2_ ^= s0_;
    s3_ ^= s1_;
    s1_ ^= s2_;
    s0_ ^= s3_;
    s2_ ^= t;
    s3_ = rotl(s3_, 11);
    return result;
  }

  double uniform() { return static_cast<double>(next() >> 8) * (1.0 / 16777216.0); }

 private:
  uint32_t next_seed() {
    x_ += 0x9e3779b9u;
    uint32_t z = x_;
    z = (z ^ (z >> 16)) * 0x85ebca6bu;
    z = (z ^ (z >> 13)) * 0xc2b2ae35u;
    return z ^ (z >> 16);
  }

  uint32_t x_, s0_, s1_, s2_, s3_;
};

}  // namespace

// Blocks of 65536 elements, block b drawn from Rng(block_seed(seed, b)) — the same
// definition as DROPOUT_BLOCK / blockSeed in src/backends/js/random.ts — so blocks run in
// parallel and the mask still matches the js backend bit for bit.
constexpr int64_t kBlock = 1 << 16;

double block_seed(double seed, int64_t b) {
  const double s = std::floor(seed);
  const uint32_t lo = static_cast<uint32_t>(static_cast<int64_t>(std::fmod(s, 4294967296.0)));
  const double hi = std::floor(s / 4294967296.0);
  const uint32_t mixed = lo ^ (static_cast<uint32_t>(b + 1) * 0x9e3779b1u);
  return static_cast<double>(mixed) + hi * 4294967296.0;
}

void dropout_mask(float* mask, int64_t n, double rate, double seed) { dropout(nullptr, nullptr, mask, n, rate, seed); }

void dropout(const float* x, float* y, float* mask, int64_t n, double rate, double seed) {
  const float keep = static_cast<float>(1.0 / (1.0 - rate));
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  parallel_tasks(blocks, [&](int64_t b, int) {
    Rng rng(block_seed(seed, b));
    const int64_t end = std::min(n, (b + 1) * kBlock);
    if (x == nullptr) {
      for (int64_t i = b * kBlock; i < end; i++) mask[i] = rng.uniform() >= rate ? keep : 0.0f;
      return;
    }
    for (int64_t i = b * kBlock; i < end; i++) {
      const float m = rng.uniform() >= rate ? keep : 0.0f;
      mask[i] = m;
      y[i] = x[i] * m;  // x · mask exactly as the multiply kernel computes it (NaN · 0 stays NaN)
    }
  });
}

}  // namespace neurite
