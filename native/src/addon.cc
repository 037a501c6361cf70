// N-API bindings: every function takes typed arrays (used in place, never copied) and
// numbers, checks that each buffer is large enough, and runs one kernel synchronously.
#include <node_api.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "dnnl_conv.h"
#include "kernels.h"
#include "threadpool.h"

namespace neurite {
namespace {

struct Error {
  std::string message;
};

class Args {
 public:
  Args(napi_env env, napi_callback_info info, size_t expected) : env_(env) {
    argc_ = kMax;
    napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr);
    if (argc_ < expected) throw Error{"expected " + std::to_string(expected) + " arguments"};
  }

  // A Float32Array argument holding at least `need` elements (nullptr for null when optional).
  float* f32(size_t i, int64_t need, bool optional = false) { return static_cast<float*>(typed(i, napi_float32_array, need, optional)); }
  int32_t* i32(size_t i, int64_t need) { return static_cast<int32_t*>(typed(i, napi_int32_array, need, false)); }

  napi_value raw(size_t i) const { return argv_[i]; }
  size_t count() const { return argc_; }

  // A Float32Array argument of any length (the length is returned).
  float* f32_any(size_t i, size_t* length) { return static_cast<float*>(view(argv_[i], napi_float32_array, length, "argument " + std::to_string(i))); }
  // A Float32Array value (e.g. an array element) holding at least `need` elements.
  float* f32_value(napi_value v, int64_t need) {
    size_t length = 0;
    float* p = static_cast<float*>(view(v, napi_float32_array, &length, "an array element"));
    if (static_cast<int64_t>(length) < need) throw Error{"an array element holds " + std::to_string(length) + " elements; the kernel needs " + std::to_string(need)};
    return p;
  }
  double* f64_any(size_t i, size_t* length) { return static_cast<double*>(view(argv_[i], napi_float64_array, length, "argument " + std::to_string(i))); }
  int32_t* i32_any(size_t i, size_t* length) { return static_cast<int32_t*>(view(argv_[i], napi_int32_array, length, "argument " + std::to_string(i))); }

  int64_t integer(size_t i) {
    int64_t v = 0;
    if (napi_get_value_int64(env_, argv_[i], &v) != napi_ok) throw Error{"argument " + std::to_string(i) + " must be a number"};
    return v;
  }
  double number(size_t i) {
    double v = 0;
    if (napi_get_value_double(env_, argv_[i], &v) != napi_ok) throw Error{"argument " + std::to_string(i) + " must be a number"};
    return v;
  }
  bool flag(size_t i) {
    bool v = false;
    if (napi_get_value_bool(env_, argv_[i], &v) != napi_ok) throw Error{"argument " + std::to_string(i) + " must be a boolean"};
    return v;
  }

 private:
  void* typed(size_t i, napi_typedarray_type want, int64_t need, bool optional) {
    napi_valuetype vt;
    napi_typeof(env_, argv_[i], &vt);
    if (optional && (vt == napi_null || vt == napi_undefined)) return nullptr;
    bool is = false;
    napi_is_typedarray(env_, argv_[i], &is);
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (!is || napi_get_typedarray_info(env_, argv_[i], &type, &length, &data, nullptr, nullptr) != napi_ok || type != want) {
      throw Error{"argument " + std::to_string(i) + (want == napi_float32_array ? " must be a Float32Array" : " must be an Int32Array")};
    }
    if (need < 0 || static_cast<int64_t>(length) < need) {
      throw Error{"argument " + std::to_string(i) + " holds " + std::to_string(length) + " elements; the kernel needs " + std::to_string(need)};
    }
    return data;
  }

  void* view(napi_value v, napi_typedarray_type want, size_t* length, const std::string& what) {
    bool is = false;
    napi_is_typedarray(env_, v, &is);
    napi_typedarray_type type;
    void* data = nullptr;
    if (!is || napi_get_typedarray_info(env_, v, &type, length, &data, nullptr, nullptr) != napi_ok || type != want) {
      throw Error{what + (want == napi_float32_array ? " must be a Float32Array" : " must be a Float64Array")};
    }
    return data;
  }

  static constexpr size_t kMax = 16;
  napi_env env_;
  size_t argc_;
  napi_value argv_[kMax];
};

napi_value boolean(napi_env env, bool v) {
  napi_value out;
  napi_get_boolean(env, v, &out);
  return out;
}

napi_value integer(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

template <typename F>
napi_value guarded(napi_env env, F body) {
  try {
    return body();
  } catch (const Error& e) {
    napi_throw_type_error(env, nullptr, ("neurite native: " + e.message).c_str());
    return nullptr;
  }
}

ConvInfo conv_info(Args& a, size_t i) {
  const int32_t* v = a.i32(i, 16);
  ConvInfo c{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]};
  if (c.groups <= 0 || c.inC % c.groups != 0 || c.outC % c.groups != 0) throw Error{"bad conv geometry"};
  return c;
}

// The optional weights stamp at arguments i, i + 1 (absent or id 0: unknown).
WeightsStamp weights_stamp(Args& a, size_t i) {
  WeightsStamp s;
  if (a.count() < i + 2) return s;
  s.id = a.number(i);
  s.version = a.number(i + 1);
  if (!(s.id >= 0) || !(s.version >= 0)) throw Error{"the weights stamp must be two non-negative numbers"};
  return s;
}

PoolInfo pool_info(Args& a, size_t i) {
  const int32_t* v = a.i32(i, 18);
  return PoolInfo{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16], v[17]};
}

int64_t in_size(const ConvInfo& c) { return static_cast<int64_t>(c.batch) * c.inH * c.inW * c.inC; }
int64_t out_size(const ConvInfo& c) { return static_cast<int64_t>(c.batch) * c.outH * c.outW * c.outC; }
int64_t filter_size(const ConvInfo& c) { return static_cast<int64_t>(c.kH) * c.kW * (c.inC / c.groups) * c.outC; }

#define NEURITE_FN(name) napi_value name(napi_env env, napi_callback_info info)

NEURITE_FN(Matmul) {
  return guarded(env, [&] {
    Args a(env, info, 12);  // a, b, out, batchA, batchB, m, k, n, transA, transB, bias (or null), relu
    const int64_t batchA = a.integer(3), batchB = a.integer(4), m = a.integer(5), k = a.integer(6), n = a.integer(7);
    const int64_t batch = batchA > batchB ? batchA : batchB;
    const float* A = a.f32(0, batchA * m * k);
    const float* B = a.f32(1, batchB * k * n);
    float* C = a.f32(2, batch * m * n);
    const bool transA = a.flag(8), transB = a.flag(9);
    Epilogue ep;
    ep.bias = a.f32(10, n, true);
    ep.relu = a.flag(11);
    if (batch == 1 && matmul_small(A, B, C, m, k, n, transA, transB, ep.bias, ep.relu)) return boolean(env, true);
    matmul(A, B, C, batchA, batchB, m, k, n, transA, transB);
    bias_activation(C, batch * m, n, ep);
    return boolean(env, true);
  });
}

NEURITE_FN(BiasActivation) {
  return guarded(env, [&] {
    Args a(env, info, 5);  // y (in place), bias (or null), rows, channels, relu
    const int64_t rows = a.integer(2), channels = a.integer(3);
    Epilogue ep;
    ep.bias = a.f32(1, channels, true);
    ep.relu = a.flag(4);
    bias_activation(a.f32(0, rows * channels), rows, channels, ep);
    return boolean(env, true);
  });
}

NEURITE_FN(Conv2d) {
  return guarded(env, [&] {
    Args a(env, info, 6);  // x, w, y, info, bias (or null), relu[, stamp id, stamp version]
    const ConvInfo c = conv_info(a, 3);
    Epilogue ep;
    ep.bias = a.f32(4, c.outC, true);
    ep.relu = a.flag(5);
    conv2d(a.f32(0, in_size(c)), a.f32(1, filter_size(c)), a.f32(2, out_size(c)), c, ep, weights_stamp(a, 6));
    return boolean(env, true);
  });
}

NEURITE_FN(BiasActivationGrad) {
  return guarded(env, [&] {
    Args a(env, info, 7);  // y, dy, dpre, dbias, rows, channels, relu
    const int64_t rows = a.integer(4), channels = a.integer(5);
    bias_activation_grad(a.f32(0, rows * channels), a.f32(1, rows * channels), a.f32(2, rows * channels), a.f32(3, channels), rows, channels, a.flag(6));
    return boolean(env, true);
  });
}

NEURITE_FN(Conv2dBackpropInput) {
  return guarded(env, [&] {
    Args a(env, info, 4);  // dy, w, dx, info[, stamp id, stamp version]
    const ConvInfo c = conv_info(a, 3);
    conv2d_backprop_input(a.f32(0, out_size(c)), a.f32(1, filter_size(c)), a.f32(2, in_size(c)), c, weights_stamp(a, 4));
    return boolean(env, true);
  });
}

NEURITE_FN(Conv2dBackpropFilter) {
  return guarded(env, [&] {
    Args a(env, info, 4);
    const ConvInfo c = conv_info(a, 3);
    conv2d_backprop_filter(a.f32(0, in_size(c)), a.f32(1, out_size(c)), a.f32(2, filter_size(c)), c);
    return boolean(env, true);
  });
}

NEURITE_FN(SampleImage) {
  return guarded(env, [&] {
    Args a(env, info, 11);  // x, sx, sy, y, batch, h, w, c, nearest, mode, fill
    const int64_t b = a.integer(4), h = a.integer(5), w = a.integer(6), c = a.integer(7);
    sample_image(a.f32(0, b * h * w * c), a.f32(1, b * h * w), a.f32(2, b * h * w), a.f32(3, b * h * w * c), b, h, w, c, a.integer(8) != 0,
                 static_cast<int>(a.integer(9)), static_cast<float>(a.number(10)));
    return boolean(env, true);
  });
}

NEURITE_FN(Pool2d) {
  return guarded(env, [&] {
    Args a(env, info, 3);
    const PoolInfo p = pool_info(a, 2);
    pool2d(a.f32(0, static_cast<int64_t>(p.batch) * p.inH * p.inW * p.channels),
           a.f32(1, static_cast<int64_t>(p.batch) * p.outH * p.outW * p.channels), p);
    return boolean(env, true);
  });
}

NEURITE_FN(Pool2dGrad) {
  return guarded(env, [&] {
    Args a(env, info, 4);
    const PoolInfo p = pool_info(a, 3);
    const int64_t in = static_cast<int64_t>(p.batch) * p.inH * p.inW * p.channels;
    pool2d_grad(a.f32(0, in), a.f32(1, static_cast<int64_t>(p.batch) * p.outH * p.outW * p.channels), a.f32(2, in), p);
    return boolean(env, true);
  });
}

NEURITE_FN(Pool2dGradBiasRelu) {
  return guarded(env, [&] {
    Args a(env, info, 5);  // x, dy, dx, dbias, info
    const PoolInfo p = pool_info(a, 4);
    const int64_t in = static_cast<int64_t>(p.batch) * p.inH * p.inW * p.channels;
    const bool ran = pool2d_grad_bias_relu(a.f32(0, in), a.f32(1, static_cast<int64_t>(p.batch) * p.outH * p.outW * p.channels), a.f32(2, in), a.f32(3, p.channels), p);
    return boolean(env, ran);
  });
}

NEURITE_FN(Unary) {
  return guarded(env, [&] {
    Args a(env, info, 6);  // op, x, y, n, alpha, beta
    const int64_t n = a.integer(3);
    return boolean(env, unary(a.integer(0), a.f32(1, n), a.f32(2, n), n, a.number(4), a.number(5)));
  });
}

NEURITE_FN(ElementwiseChain) {
  return guarded(env, [&] {
    Args a(env, info, 5);  // codes [kind, op]·steps, params [p1, p2]·steps, x, y, n
    size_t nc = 0;
    const int32_t* codes = a.i32_any(0, &nc);
    const int64_t n = a.integer(4);
    const int steps = static_cast<int>(nc / 2);
    return boolean(env, elementwise_chain(steps, codes, a.f32(1, 2 * steps), a.f32(2, n), a.f32(3, n), n));
  });
}

NEURITE_FN(UnaryGrad) {
  return guarded(env, [&] {
    Args a(env, info, 8);  // op, x, y, dy, dx, n, alpha, beta
    const int64_t n = a.integer(5);
    return boolean(env, unary_grad(a.integer(0), a.f32(1, n), a.f32(2, n), a.f32(3, n), a.f32(4, n), n, a.number(6), a.number(7)));
  });
}

NEURITE_FN(Binary) {
  return guarded(env, [&] {
    Args a(env, info, 8);  // op, a, b, out, rank, dims, stridesA, stridesB
    const int64_t rank = a.integer(4);
    if (rank < 1 || rank > 64) throw Error{"bad broadcast rank"};
    const int32_t* dims = a.i32(5, rank);
    const int32_t* sa = a.i32(6, rank);
    const int32_t* sb = a.i32(7, rank);
    int64_t total = 1, needA = 1, needB = 1;
    for (int64_t d = 0; d < rank; d++) {
      if (dims[d] < 0 || sa[d] < 0 || sb[d] < 0) throw Error{"bad broadcast plan"};
      total *= dims[d];
      if (dims[d] > 0) {
        needA += static_cast<int64_t>(dims[d] - 1) * sa[d];
        needB += static_cast<int64_t>(dims[d] - 1) * sb[d];
      }
    }
    if (total == 0) return boolean(env, true);
    return boolean(env, binary(a.integer(0), a.f32(1, needA), a.f32(2, needB), a.f32(3, total), static_cast<int>(rank), dims, sa, sb));
  });
}

NEURITE_FN(Reduce) {
  return guarded(env, [&] {
    Args a(env, info, 6);  // op, x, y, outer, n, inner
    const int64_t outer = a.integer(3), n = a.integer(4), inner = a.integer(5);
    return boolean(env, reduce(a.integer(0), a.f32(1, outer * n * inner), a.f32(2, outer * inner), outer, n, inner));
  });
}

NEURITE_FN(Softmax) {
  return guarded(env, [&] {
    Args a(env, info, 6);  // x, y, outer, n, inner, log
    const int64_t outer = a.integer(2), n = a.integer(3), inner = a.integer(4);
    softmax(a.f32(0, outer * n * inner), a.f32(1, outer * n * inner), outer, n, inner, a.flag(5));
    return boolean(env, true);
  });
}

NEURITE_FN(SoftmaxGrad) {
  return guarded(env, [&] {
    Args a(env, info, 7);  // y, dy, dx, outer, n, inner, log
    const int64_t outer = a.integer(3), n = a.integer(4), inner = a.integer(5);
    const int64_t size = outer * n * inner;
    softmax_grad(a.f32(0, size), a.f32(1, size), a.f32(2, size), outer, n, inner, a.flag(6));
    return boolean(env, true);
  });
}

NEURITE_FN(Transpose) {
  return guarded(env, [&] {
    Args a(env, info, 5);  // x, y, rank, shape, perm
    const int64_t rank = a.integer(2);
    if (rank < 0 || rank > 64) throw Error{"bad rank"};
    const int32_t* shape = a.i32(3, rank);
    const int32_t* perm = a.i32(4, rank);
    int64_t size = 1;
    uint64_t seen = 0;
    for (int64_t d = 0; d < rank; d++) {
      if (perm[d] < 0 || perm[d] >= rank || (seen >> perm[d]) & 1) throw Error{"bad permutation"};
      seen |= uint64_t{1} << perm[d];
      size *= shape[d];
    }
    transpose(a.f32(0, size), a.f32(1, size), static_cast<int>(rank), shape, perm);
    return boolean(env, true);
  });
}

NEURITE_FN(BatchNorm) {
  return guarded(env, [&] {
    Args a(env, info, 10);  // x, mean, var, offset?, scale?, y, eps, outer, c, inner
    const int64_t outer = a.integer(7), c = a.integer(8), inner = a.integer(9);
    const int64_t size = outer * c * inner;
    batch_norm(a.f32(0, size), a.f32(1, c), a.f32(2, c), a.f32(3, c, true), a.f32(4, c, true), a.f32(5, size),
               static_cast<float>(a.number(6)), outer, c, inner);
    return boolean(env, true);
  });
}

NEURITE_FN(BatchNormGrad) {
  return guarded(env, [&] {
    Args a(env, info, 14);  // x, mean, var, scale?, dy, dx, dmean, dvar, dscale, doffset, eps, outer, c, inner
    const int64_t outer = a.integer(11), c = a.integer(12), inner = a.integer(13);
    const int64_t size = outer * c * inner;
    batch_norm_grad(a.f32(0, size), a.f32(1, c), a.f32(2, c), a.f32(3, c, true), a.f32(4, size), a.f32(5, size),
                    a.f32(6, c), a.f32(7, c), a.f32(8, c), a.f32(9, c), static_cast<float>(a.number(10)), outer, c, inner);
    return boolean(env, true);
  });
}

NEURITE_FN(LayerNorm) {
  return guarded(env, [&] {
    Args a(env, info, 9);  // x, gamma?, beta?, y, mean, rstd, eps, rows, c
    const int64_t rows = a.integer(7), c = a.integer(8);
    layer_norm(a.f32(0, rows * c), a.f32(1, c, true), a.f32(2, c, true), a.f32(3, rows * c), a.f32(4, rows), a.f32(5, rows),
               static_cast<float>(a.number(6)), rows, c);
    return boolean(env, true);
  });
}

NEURITE_FN(LayerNormGrad) {
  return guarded(env, [&] {
    Args a(env, info, 10);  // x, gamma?, mean, rstd, dy, dx, dgamma?, dbeta?, rows, c
    const int64_t rows = a.integer(8), c = a.integer(9);
    layer_norm_grad(a.f32(0, rows * c), a.f32(1, c, true), a.f32(2, rows), a.f32(3, rows), a.f32(4, rows * c), a.f32(5, rows * c),
                    a.f32(6, c, true), a.f32(7, c, true), rows, c);
    return boolean(env, true);
  });
}

NEURITE_FN(Dropout) {
  return guarded(env, [&] {
    Args a(env, info, 6);  // x, y, mask, n, rate, seed
    const int64_t n = a.integer(3);
    const double rate = a.number(4);
    if (!(rate >= 0 && rate < 1)) throw Error{"rate must be in [0, 1)"};
    dropout(a.f32(0, n), a.f32(1, n), a.f32(2, n), n, rate, a.number(5));
    return boolean(env, true);
  });
}

NEURITE_FN(DropoutMask) {
  return guarded(env, [&] {
    Args a(env, info, 4);  // mask, n, rate, seed
    const int64_t n = a.integer(1);
    const double rate = a.number(2);
    if (!(rate >= 0 && rate < 1)) throw Error{"rate must be in [0, 1)"};
    dropout_mask(a.f32(0, n), n, rate, a.number(3));
    return boolean(env, true);
  });
}

// Whether `count` doubles hold the struct of `rule` (the op table's nt_<rule>_hyper).
bool hyper_fits(int rule, size_t count) {
  switch (rule) {
#define NT_HYPER_SIZE(NAME, name) \
  case NT_UPDATE_##NAME: return count * sizeof(double) == sizeof(nt_##name##_hyper);
    NT_UPDATE_RULES(NT_HYPER_SIZE)
#undef NT_HYPER_SIZE
    default: return false;
  }
}

NEURITE_FN(ApplyUpdate) {
  return guarded(env, [&] {
    Args a(env, info, 5);  // rule, param, grad, slots (array of Float32Array), hyper (Float64Array: the rule's nt_<rule>_hyper)
    const int64_t rule = a.integer(0);
    napi_value list = a.raw(3);
    bool isArray = false;
    napi_is_array(env, list, &isArray);
    if (!isArray) throw Error{"argument 3 must be an array of Float32Arrays"};
    uint32_t count = 0;
    napi_get_array_length(env, list, &count);
    if (count > 8) throw Error{"too many optimizer slots"};
    size_t n = 0;
    float* param = a.f32_any(1, &n);
    const float* grad = a.f32(2, static_cast<int64_t>(n));
    float* slots[8];
    for (uint32_t i = 0; i < count; i++) {
      napi_value el;
      napi_get_element(env, list, i, &el);
      slots[i] = a.f32_value(el, static_cast<int64_t>(n));
    }
    size_t nh = 0;
    const double* hyper = a.f64_any(4, &nh);
    if (rule < 0 || rule >= NT_UPDATE_COUNT) return boolean(env, false);
    if (!hyper_fits(static_cast<int>(rule), nh)) throw Error{"the hyperparameters do not match the rule's struct"};
    return boolean(env, apply_update(static_cast<int>(rule), param, grad, slots, static_cast<int>(count), hyper,
                                     static_cast<int64_t>(n)));
  });
}

// info: Int32Array [cell, batch, time, units, goBackwards, sequence, zeroOutputForMask].
RnnDims rnn_dims(Args& a, size_t i) {
  const int32_t* v = a.i32(i, 7);
  if (v[0] < kRnnLstm || v[0] > kRnnGruResetBefore || v[1] <= 0 || v[2] <= 0 || v[3] <= 0) throw Error{"bad recurrent geometry"};
  return RnnDims{v[0], v[1], v[2], v[3], v[4] != 0, v[5] != 0, v[6] != 0};
}

int64_t rnn_out_size(const RnnDims& d) {
  const int64_t bu = d.batch * d.units;
  return (d.sequence ? d.time * bu : 0) + (d.cell == kRnnLstm ? 3 : 2) * bu;
}

int64_t rnn_reserve_size(const RnnDims& d) {
  return d.batch * d.time * d.units * (d.cell == kRnnLstm ? 7 : 5);
}

NEURITE_FN(RnnForward) {
  return guarded(env, [&] {
    Args a(env, info, 9);  // info, xw, kernel, bias?, h0, c0?, mask?, y, reserve?
    const RnnDims d = rnn_dims(a, 0);
    const int64_t gu = (d.cell == kRnnLstm ? 4 : 3) * d.units, bu = d.batch * d.units;
    const bool lstm = d.cell == kRnnLstm;
    const float* c0 = a.f32(5, bu, !lstm);
    if (lstm && c0 == nullptr) throw Error{"an LSTM needs c0"};
    rnn_forward(d, a.f32(1, d.batch * d.time * gu), a.f32(2, d.units * gu), a.f32(3, gu, true), a.f32(4, bu), c0,
                a.f32(6, d.batch * d.time, true), a.f32(7, rnn_out_size(d)), a.f32(8, rnn_reserve_size(d), true));
    return boolean(env, true);
  });
}

NEURITE_FN(RnnBackward) {
  return guarded(env, [&] {
    Args a(env, info, 10);  // info, dy, kernel, mask?, reserve, dxw, dKernel, dBias?, dh0, dc0?
    const RnnDims d = rnn_dims(a, 0);
    const int64_t gu = (d.cell == kRnnLstm ? 4 : 3) * d.units, bu = d.batch * d.units;
    const bool lstm = d.cell == kRnnLstm;
    float* dc0 = a.f32(9, bu, !lstm);
    if (lstm && dc0 == nullptr) throw Error{"an LSTM needs dc0"};
    rnn_backward(d, a.f32(1, rnn_out_size(d)), a.f32(2, d.units * gu), a.f32(3, d.batch * d.time, true), a.f32(4, rnn_reserve_size(d)),
                 a.f32(5, d.batch * d.time * gu), a.f32(6, d.units * gu), a.f32(7, gu, true), a.f32(8, bu), dc0);
    return boolean(env, true);
  });
}

NEURITE_FN(PeakGflops) {
  return guarded(env, [&] {
    Args a(env, info, 1);  // seconds
    napi_value out;
    napi_create_double(env, peak_gflops(a.number(0)), &out);
    return out;
  });
}

NEURITE_FN(SetThreads) {
  return guarded(env, [&] {
    Args a(env, info, 1);
    const int64_t n = a.integer(0);
    if (n < 1 || n > 64) throw Error{"threads must be in [1, 64]"};
    set_num_threads(static_cast<int>(n));
    set_blas_threads(static_cast<int>(n));
    return integer(env, num_threads());
  });
}

// setConvEngine('dnnl' | 'im2col'): which convolution kernels run (for tests and benchmarks).
// Returns the engine in use afterwards ('im2col' when built without oneDNN).
NEURITE_FN(SetConvEngine) {
  return guarded(env, [&] {
    Args a(env, info, 1);
    char buf[16] = {0};
    size_t len = 0;
    napi_get_value_string_utf8(env, a.raw(0), buf, sizeof buf, &len);
    const std::string which(buf, len);
    if (which == "auto") set_conv_engine(ConvEngine::kAuto);
    else if (which == "direct") set_conv_engine(ConvEngine::kDirect);
    else if (which == "dnnl") set_conv_engine(ConvEngine::kDnnl);
    else if (which == "im2col") set_conv_engine(ConvEngine::kIm2col);
    else throw Error{"the convolution engine must be 'auto', 'direct', 'dnnl' or 'im2col'"};
    const ConvEngine e = conv_engine();
    napi_value out;
    // 'dnnl' without oneDNN in the build runs im2col, and says so.
    const char* now = e == ConvEngine::kAuto ? "auto" : e == ConvEngine::kDirect ? "direct" : e == ConvEngine::kIm2col || !dnnl_is_enabled() ? "im2col" : "dnnl";
    napi_create_string_utf8(env, now, NAPI_AUTO_LENGTH, &out);
    return out;
  });
}

NEURITE_FN(Threads) {
  return guarded(env, [&] { return integer(env, num_threads()); });
}

// libraryThreads(): [OpenBLAS threads, oneDNN's OpenMP threads (0 without oneDNN)], as the
// libraries report them (benchmarks check that setThreads pinned all three pools).
NEURITE_FN(LibraryThreads) {
  return guarded(env, [&] {
    napi_value out;
    napi_create_array_with_length(env, 2, &out);
    napi_set_element(env, out, 0, integer(env, blas_threads()));
    napi_set_element(env, out, 1, integer(env, openmp_threads()));
    return out;
  });
}

// takeWeightReorders(): convolution weight reorders run since the last call (tests check
// that stamped weights are reordered only when they change).
NEURITE_FN(TakeWeightReorders) {
  return guarded(env, [&] { return integer(env, dnnl_take_weight_reorders()); });
}

#undef NEURITE_FN

// Tensors are large, short-lived buffers. By default glibc serves blocks above its mmap
// threshold with fresh pages from the kernel and unmaps them on free, so every new
// activation or gradient pays one page fault per 4 KiB (and two for read-modify-write
// kernels) — about a third of a conv layer's training step. Keeping blocks up to 256 MiB
// in the heap lets freed buffers be reused (calloc then only clears them). The cost: the
// process keeps memory it has freed for reuse. NEURITE_MALLOC_TUNING=0 turns this off.
void tune_malloc() {
#if defined(__GLIBC__)
  const char* env = std::getenv("NEURITE_MALLOC_TUNING");
  if (env != nullptr && std::strcmp(env, "0") == 0) return;
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

napi_value Init(napi_env env, napi_value exports) {
  tune_malloc();
  struct Entry {
    const char* name;
    napi_callback fn;
  };
  const Entry entries[] = {
      {"matmul", Matmul}, {"conv2d", Conv2d}, {"biasActivation", BiasActivation}, {"biasActivationGrad", BiasActivationGrad}, {"conv2dBackpropInput", Conv2dBackpropInput},
      {"conv2dBackpropFilter", Conv2dBackpropFilter}, {"pool2d", Pool2d}, {"sampleImage", SampleImage}, {"pool2dGrad", Pool2dGrad}, {"pool2dGradBiasRelu", Pool2dGradBiasRelu},
      {"unary", Unary}, {"unaryGrad", UnaryGrad}, {"binary", Binary}, {"reduce", Reduce}, {"softmax", Softmax},
      {"softmaxGrad", SoftmaxGrad}, {"transpose", Transpose}, {"batchNorm", BatchNorm},
      {"batchNormGrad", BatchNormGrad}, {"layerNorm", LayerNorm}, {"layerNormGrad", LayerNormGrad}, {"dropoutMask", DropoutMask}, {"dropout", Dropout}, {"applyUpdate", ApplyUpdate}, {"elementwiseChain", ElementwiseChain}, {"rnnForward", RnnForward}, {"rnnBackward", RnnBackward}, {"setThreads", SetThreads}, {"peakGflops", PeakGflops}, {"setConvEngine", SetConvEngine}, {"threads", Threads}, {"libraryThreads", LibraryThreads}, {"takeWeightReorders", TakeWeightReorders},
  };
  for (const Entry& e : entries) {
    napi_value fn;
    napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.fn, nullptr, &fn);
    napi_set_named_property(env, exports, e.name, fn);
  }
  return exports;
}

}  // namespace
}  // namespace neurite

NAPI_MODULE(NODE_GYP_MODULE_NAME, neurite::Init)
