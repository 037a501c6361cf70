// Elementwise loops over an index range [lo, hi), written once for the native addon (which
// runs ranges on its thread pool) and the WebAssembly kernels: every unary op and its
// derivative, a binary op with one scalar operand, and the fused elementwise chain. Each
// op's formula comes from the op table through the generated X-macros of nt_ops.h, one
// loop per op so the compiler vectorizes it. Functions return 0 for an unknown op code.
#ifndef NT_ELEMENTWISE_H
#define NT_ELEMENTWISE_H

#include <stdint.h>

#include "nt_math.h"
#include "nt_ops.h"

// out[i] = op(in[i]) with the op's parameters a, b; in place allowed (in may equal out).
static inline int nt_unary_range(int op, const float* in, float* out, int64_t lo, int64_t hi, float a, float b) {
  (void)a;
  (void)b;
  switch (op) {
#define NT_CASE(NAME, F, DF)                \
  case NT_UNARY_##NAME:                     \
    for (int64_t i = lo; i < hi; i++) {     \
      const float x = in[i];                \
      out[i] = (F);                         \
    }                                       \
    return 1;
    NT_UNARY_OPS(NT_CASE)
#undef NT_CASE
    default: return 0;
  }
}

// dx[i] = dy[i] * op'(x[i]) where the derivative may use the op's output y[i].
static inline int nt_unary_grad_range(int op, const float* xs, const float* ys, const float* dy, float* dx, int64_t lo, int64_t hi, float a,
                                      float b) {
  (void)a;
  (void)b;
  switch (op) {
#define NT_CASE(NAME, F, DF)                \
  case NT_UNARY_##NAME:                     \
    for (int64_t i = lo; i < hi; i++) {     \
      const float x = xs[i];                \
      const float y = ys[i];                \
      (void)x;                              \
      (void)y;                              \
      dx[i] = dy[i] * (DF);                 \
    }                                       \
    return 1;
    NT_UNARY_OPS(NT_CASE)
#undef NT_CASE
    default: return 0;
  }
}

// out[i] = op(s, in[i]) when `first`, else op(in[i], s).
static inline int nt_scalar_range(int op, const float* in, float s, int first, float* out, int64_t lo, int64_t hi) {
  switch (op) {
#define NT_CASE(NAME, F)                                                               \
  case NT_BINARY_##NAME:                                                               \
    if (first) {                                                                       \
      for (int64_t i = lo; i < hi; i++) { const float a = s, b = in[i]; out[i] = (F); }  \
    } else {                                                                           \
      for (int64_t i = lo; i < hi; i++) { const float a = in[i], b = s; out[i] = (F); }  \
    }                                                                                  \
    return 1;
    NT_BINARY_OPS(NT_CASE)
#undef NT_CASE
    default: return 0;
  }
}

// Whether every step of a chain names a known op. codes: [kind, op] per step (NT_CHAIN_*).
static inline int nt_chain_valid(int nsteps, const int32_t* codes) {
  for (int s = 0; s < nsteps; s++) {
    const int kind = codes[2 * s], op = codes[2 * s + 1];
    const int count = kind == NT_CHAIN_UNARY ? (int)NT_UNARY_COUNT : (int)NT_BINARY_COUNT;
    if (op < 0 || op >= count) return 0;
  }
  return 1;
}

// A fused chain over [lo, hi), in blocks of 1024 elements kept in L1 between steps; each
// step's results are stored as float, as separate kernels would store them. params: the
// step's two floats (a unary op's alpha, beta; a binary op's scalar).
static inline void nt_chain_range(int nsteps, const int32_t* codes, const float* params, const float* x, float* y, int64_t lo, int64_t hi) {
  for (int64_t at = lo; at < hi; at += 1024) {
    const int64_t end = hi - at < 1024 ? hi : at + 1024;
    const float* src = x;
    if (nsteps == 0) {
      for (int64_t i = at; i < end; i++) y[i] = x[i];
    }
    for (int s = 0; s < nsteps; s++) {
      const int kind = codes[2 * s], op = codes[2 * s + 1];
      if (kind == NT_CHAIN_UNARY) {
        nt_unary_range(op, src, y, at, end, params[2 * s], params[2 * s + 1]);
      } else {
        nt_scalar_range(op, src, params[2 * s], kind == NT_CHAIN_SCALAR_FIRST, y, at, end);
      }
      src = y;
    }
  }
}

#endif
