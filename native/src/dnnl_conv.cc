// Convolutions through oneDNN (Debian's libdnnl-dev) when the addon is built with it:
// NHWC activations used in place, weights reordered from HWIO to the layout the chosen
// kernel wants, and primitives cached per geometry. Weights that come with a stamp (a
// Variable's storage id and version, see WeightsStamp) keep their reordered copy between
// calls: it is made again only when the version (an optimizer step, an assign) or the
// buffer changed, so inference reorders each layer's weights once, and training once per
// step and layout. oneDNN picks its JIT direct
// kernels (brgconv / jit:avx512_core on this machine), ~1.5x the im2col + GEMM path.
// Any configuration oneDNN refuses falls back to conv.cc's own kernels.
#include "dnnl_conv.h"

#ifdef NEURITE_HAVE_DNNL
#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include <dnnl.hpp>

namespace neurite {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

bool enabled = true;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  static dnnl::stream s(engine());
  return s;
}

struct Fused {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
};

// Weights in a kernel's layout: the reorder primitive and its buffer, made once per layout
// (creating a reorder costs tens of microseconds; running it on a layer's weights, little).
struct Reordered {
  memory::desc want;
  std::unique_ptr<float[]> buffer;
  std::unique_ptr<dnnl::reorder> reorder;
};

struct Entry {
  memory::desc src, dst, userWeights;
  Reordered fwdReordered, bwdDataReordered;
  dnnl::convolution_forward::primitive_desc fwdPd;
  dnnl::convolution_forward fwd;
  std::unique_ptr<Fused> fused[2][2];  // [has bias][relu]: forward with the epilogue folded in
  std::unique_ptr<dnnl::convolution_backward_data::primitive_desc> bwdDataPd;
  std::unique_ptr<dnnl::convolution_backward_data> bwdData;
  std::unique_ptr<dnnl::convolution_backward_weights::primitive_desc> bwdWeightsPd;
  std::unique_ptr<dnnl::convolution_backward_weights> bwdWeights;
  std::unique_ptr<float[]> diffWeights;  // the filter gradient in the kernel's layout, when not HWIO
  std::unique_ptr<dnnl::reorder> diffToUser;  // and its reorder to HWIO
  memory::dims strides, dilates, padL, padR;
};

// Reordered weights that outlive a call, one per (buffer, layout), least recently used first out.
struct Persistent {
  const float* user = nullptr;
  WeightsStamp stamp;
  Reordered r;
  uint64_t used = 0;
};
std::vector<std::unique_ptr<Persistent>> persistent;
uint64_t clock = 0;
int64_t reorders = 0;
constexpr size_t kPersistentMax = 128;
constexpr size_t kPersistentBytes = size_t(512) << 20;

using Key = std::array<int, 16>;
std::map<Key, std::unique_ptr<Entry>> cache;

Key key_of(const ConvInfo& c) {
  return {c.batch, c.inH, c.inW, c.inC, c.outH, c.outW, c.outC, c.kH, c.kW, c.strideH, c.strideW, c.dilationH, c.dilationW, c.padTop, c.padLeft, c.groups};
}

Entry* entry(const ConvInfo& c) {
  const Key k = key_of(c);
  auto it = cache.find(k);
  if (it != cache.end()) return it->second.get();
  if (cache.size() > 256) cache.clear();
  const int dkH = (c.kH - 1) * c.dilationH + 1, dkW = (c.kW - 1) * c.dilationW + 1;
  const int padB = (c.outH - 1) * c.strideH + dkH - c.inH - c.padTop;
  const int padR = (c.outW - 1) * c.strideW + dkW - c.inW - c.padLeft;
  if (padB < 0 || padR < 0 || c.padTop < 0 || c.padLeft < 0) return nullptr;  // oneDNN needs non-negative padding
  auto e = std::make_unique<Entry>();
  e->src = memory::desc({c.batch, c.inC, c.inH, c.inW}, dt::f32, tag::nhwc);
  e->dst = memory::desc({c.batch, c.outC, c.outH, c.outW}, dt::f32, tag::nhwc);
  e->userWeights = memory::desc({c.outC, c.inC, c.kH, c.kW}, dt::f32, tag::hwio);
  const memory::desc anyWeights({c.outC, c.inC, c.kH, c.kW}, dt::f32, tag::any);
  e->strides = {c.strideH, c.strideW};
  e->dilates = {c.dilationH - 1, c.dilationW - 1};
  e->padL = {c.padTop, c.padLeft};
  e->padR = {padB, padR};
  auto fd = dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, e->src, anyWeights, e->dst, e->strides, e->dilates, e->padL, e->padR);
  e->fwdPd = dnnl::convolution_forward::primitive_desc(fd, engine());
  e->fwd = dnnl::convolution_forward(e->fwdPd);
  Entry* raw = e.get();
  cache.emplace(k, std::move(e));
  return raw;
}

/** Reorders the user's weights into `cache` (made for `want` on first use). */
memory reorder_into(const memory::desc& want, memory& userMem, Reordered& cache) {
  if (!cache.reorder || !(cache.want == want)) {
    cache.want = want;
    cache.buffer.reset(new float[want.get_size() / sizeof(float) + 16]);
    memory out(want, engine(), cache.buffer.get());
    cache.reorder = std::make_unique<dnnl::reorder>(userMem, out);
  }
  memory out(want, engine(), cache.buffer.get());
  cache.reorder->execute(stream(), userMem, out);
  reorders++;
  return out;
}

/** The persistent slot of (w, want), made (evicting the least recently used) when missing. */
Persistent& persistent_slot(const float* w, const memory::desc& want) {
  Persistent* found = nullptr;
  size_t bytes = 0;
  for (auto& p : persistent) {
    if (p->user == w && p->r.want == want) found = p.get();
    bytes += p->r.reorder ? p->r.want.get_size() : 0;
  }
  if (found == nullptr) {
    while (!persistent.empty() && (persistent.size() >= kPersistentMax || bytes + want.get_size() > kPersistentBytes)) {
      auto oldest = persistent.begin();
      for (auto it = persistent.begin(); it != persistent.end(); ++it)
        if ((*it)->used < (*oldest)->used) oldest = it;
      bytes -= (*oldest)->r.reorder ? (*oldest)->r.want.get_size() : 0;
      persistent.erase(oldest);
    }
    persistent.push_back(std::make_unique<Persistent>());
    found = persistent.back().get();
    found->user = w;
  }
  found->used = ++clock;
  return *found;
}

/**
 * The weights in the layout `want`: the user's HWIO buffer itself when it is that layout;
 * with a known stamp, the persistent copy (reordered again only when the stamp changed);
 * otherwise reordered into the geometry's scratch `cache` on every call.
 */
memory weights_for(const memory::desc& want, const memory::desc& user, const float* w, Reordered& cache, const WeightsStamp& stamp) {
  memory userMem(user, engine(), const_cast<float*>(w));
  if (want == user) return userMem;
  if (!stamp.known()) return reorder_into(want, userMem, cache);
  Persistent& p = persistent_slot(w, want);
  if (p.r.reorder && p.stamp.id == stamp.id && p.stamp.version == stamp.version) return memory(want, engine(), p.r.buffer.get());
  memory out = reorder_into(want, userMem, p.r);
  p.stamp = stamp;
  return out;
}

}  // namespace

void dnnl_set_enabled(bool on) { enabled = on; }
int64_t dnnl_take_weight_reorders() {
  const int64_t n = reorders;
  reorders = 0;
  return n;
}
bool dnnl_is_enabled() { return enabled; }

/** The forward primitive with bias and/or ReLU folded in (oneDNN bias + eltwise post-op). */
Fused* fused(Entry* e, const ConvInfo& c, const Epilogue& ep) {
  std::unique_ptr<Fused>& slot = e->fused[ep.bias ? 1 : 0][ep.relu ? 1 : 0];
  if (slot) return slot.get();
  const memory::desc anyWeights({c.outC, c.inC, c.kH, c.kW}, dt::f32, tag::any);
  const memory::desc biasDesc({c.outC}, dt::f32, tag::x);
  auto fd = ep.bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, e->src, anyWeights, biasDesc, e->dst, e->strides, e->dilates, e->padL, e->padR)
                    : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, e->src, anyWeights, e->dst, e->strides, e->dilates, e->padL, e->padR);
  dnnl::primitive_attr attr;
  if (ep.relu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    attr.set_post_ops(ops);
  }
  auto pd = dnnl::convolution_forward::primitive_desc(fd, attr, engine());
  slot = std::make_unique<Fused>(Fused{pd, dnnl::convolution_forward(pd)});
  return slot.get();
}

bool dnnl_conv2d(const float* x, const float* w, float* y, const ConvInfo& c, const Epilogue& ep, const WeightsStamp& stamp) {
  if (!enabled || c.groups != 1) return false;
  const SignalsBlocked quiet;
  try {
    Entry* e = entry(c);
    if (!e) return false;
    const bool folded = ep.active();
    const dnnl::convolution_forward::primitive_desc& pd = folded ? fused(e, c, ep)->pd : e->fwdPd;
    memory wm = weights_for(pd.weights_desc(), e->userWeights, w, e->fwdReordered, stamp);
    memory xm(e->src, engine(), const_cast<float*>(x)), ym(e->dst, engine(), y);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, ym}};
    if (ep.bias) args.emplace(DNNL_ARG_BIAS, memory(memory::desc({c.outC}, dt::f32, tag::x), engine(), const_cast<float*>(ep.bias)));
    (folded ? fused(e, c, ep)->prim : e->fwd).execute(stream(), args);
    stream().wait();
    return true;
  } catch (const dnnl::error&) {
    return false;
  }
}

bool dnnl_conv2d_backprop_input(const float* dy, const float* w, float* dx, const ConvInfo& c, const WeightsStamp& stamp) {
  if (!enabled || c.groups != 1) return false;
  const SignalsBlocked quiet;
  try {
    Entry* e = entry(c);
    if (!e) return false;
    if (!e->bwdData) {
      const memory::desc anyWeights({c.outC, c.inC, c.kH, c.kW}, dt::f32, tag::any);
      auto d = dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, e->src, anyWeights, e->dst, e->strides, e->dilates, e->padL, e->padR);
      e->bwdDataPd = std::make_unique<dnnl::convolution_backward_data::primitive_desc>(d, engine(), e->fwdPd);
      e->bwdData = std::make_unique<dnnl::convolution_backward_data>(*e->bwdDataPd);
    }
    memory wm = weights_for(e->bwdDataPd->weights_desc(), e->userWeights, w, e->bwdDataReordered, stamp);
    memory dym(e->dst, engine(), const_cast<float*>(dy)), dxm(e->src, engine(), dx);
    e->bwdData->execute(stream(), {{DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DIFF_SRC, dxm}});
    stream().wait();
    return true;
  } catch (const dnnl::error&) {
    return false;
  }
}

bool dnnl_conv2d_backprop_filter(const float* x, const float* dy, float* dw, const ConvInfo& c) {
  if (!enabled || c.groups != 1) return false;
  const SignalsBlocked quiet;
  try {
    Entry* e = entry(c);
    if (!e) return false;
    if (!e->bwdWeights) {
      const memory::desc anyWeights({c.outC, c.inC, c.kH, c.kW}, dt::f32, tag::any);
      auto d = dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, e->src, anyWeights, e->dst, e->strides, e->dilates, e->padL, e->padR);
      e->bwdWeightsPd = std::make_unique<dnnl::convolution_backward_weights::primitive_desc>(d, engine(), e->fwdPd);
      e->bwdWeights = std::make_unique<dnnl::convolution_backward_weights>(*e->bwdWeightsPd);
    }
    const memory::desc want = e->bwdWeightsPd->diff_weights_desc();
    memory user(e->userWeights, engine(), dw);
    memory target = user;
    if (!(want == e->userWeights)) {
      if (!e->diffWeights) e->diffWeights.reset(new float[want.get_size() / sizeof(float) + 16]);
      target = memory(want, engine(), e->diffWeights.get());
    }
    memory xm(e->src, engine(), const_cast<float*>(x)), dym(e->dst, engine(), const_cast<float*>(dy));
    e->bwdWeights->execute(stream(), {{DNNL_ARG_SRC, xm}, {DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_DIFF_WEIGHTS, target}});
    if (!(want == e->userWeights)) {
      if (!e->diffToUser) e->diffToUser = std::make_unique<dnnl::reorder>(target, user);
      e->diffToUser->execute(stream(), target, user);
    }
    stream().wait();
    return true;
  } catch (const dnnl::error&) {
    return false;
  }
}

}  // namespace neurite

#else  // built without oneDNN: conv.cc's own kernels always run

namespace neurite {
void dnnl_set_enabled(bool) {}
bool dnnl_is_enabled() { return false; }
int64_t dnnl_take_weight_reorders() { return 0; }
bool dnnl_conv2d(const float*, const float*, float*, const ConvInfo&, const Epilogue&, const WeightsStamp&) { return false; }
bool dnnl_conv2d_backprop_input(const float*, const float*, float*, const ConvInfo&, const WeightsStamp&) { return false; }
bool dnnl_conv2d_backprop_filter(const float*, const float*, float*, const ConvInfo&) { return false; }
}  // namespace neurite

#endif
