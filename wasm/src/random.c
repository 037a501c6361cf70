// Inverted-dropout masks with exactly the reference's streams (src/backends/js/random.ts,
// src/tensor/rng.ts): blocks of 65536 elements, block b drawn by xoshiro128** seeded
// through splitmix32 from (seed_lo ^ (b + 1)·0x9e3779b1) ^ seed_hi.
#include "nt.h"

#define BLOCK 65536

static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

void EXPORT(nt_dropout_mask)(float* mask, int size, double rate, uint32_t seed_lo, uint32_t seed_hi) {
  const float keep = (float)(1.0 / (1.0 - rate));
  for (int start = 0, b = 0; start < size; start += BLOCK, b++) {
    uint32_t x = (seed_lo ^ (uint32_t)((uint32_t)(b + 1) * 0x9e3779b1u)) ^ seed_hi;
    uint32_t s[4];
    for (int i = 0; i < 4; i++) {
      x += 0x9e3779b9u;
      uint32_t z = x;
      z = (z ^ (z >> 16)) * 0x85ebca6bu;
      z = (z ^ (z >> 13)) * 0xc2b2ae35u;
      s[i] = z ^ (z >> 16);
    }
    if ((s[0] | s[1] | s[2] | s[3]) == 0) s[0] = 1;
    const int end = start + BLOCK < size ? start + BLOCK : size;
    for (int i = start; i < end; i++) {
      const uint32_t r = rotl(s[1] * 5u, 7) * 9u;
      const uint32_t t = s[1] << 9;
      s[2] ^= s[0];
      s[3] ^= s[1];
      s[1] ^= s[2];
      s[0] ^= s[3];
      s[2] ^= t;
      s[3] = rotl(s[3], 11);
      mask[i] = (double)(r >> 8) * (1.0 / 16777216.0) >= rate ? keep : 0.0f;
    }
  }
}
