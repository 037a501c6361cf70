// Optional oneDNN convolutions (see dnnl_conv.cc). Each returns false when it did not run
// (not built with oneDNN, disabled, or a configuration oneDNN refuses).
#pragma once
#include <csignal>
#include <initializer_list>

#include "kernels.h"

namespace neurite {

// Asynchronous signals blocked on this thread while oneDNN runs. oneDNN's JIT GEMM kernels
// (jit_avx512_common_gemm_f32, up to at least 3.11; Debian ships 2.6) point rsp into a heap
// workspace, so a signal handler that runs meanwhile writes its frame over the heap
// (oneDNN issue #4845). In Node that is any signal: the profiler's SIGPROF, libuv's
// SIGCHLD, SIGWINCH. Measured here: a dnnl_sgemm loop under a 100 µs SIGPROF timer
// corrupted the heap within a second; with this guard it ran clean. OpenMP creates its
// worker threads inside the first guarded call, so they inherit the blocked mask and never
// take a process-directed signal either. Pending signals are delivered when the guard
// ends. Synchronous fault signals stay unblocked, so crashes still report.
class SignalsBlocked {
 public:
  SignalsBlocked() {
    sigset_t all;
    sigfillset(&all);
    for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT}) sigdelset(&all, s);
    pthread_sigmask(SIG_BLOCK, &all, &saved_);
  }
  ~SignalsBlocked() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  SignalsBlocked(const SignalsBlocked&) = delete;
  SignalsBlocked& operator=(const SignalsBlocked&) = delete;

 private:
  sigset_t saved_;
};

bool dnnl_conv2d(const float* x, const float* w, float* y, const ConvInfo& c, const Epilogue& ep, const WeightsStamp& stamp);
bool dnnl_conv2d_backprop_input(const float* dy, const float* w, float* dx, const ConvInfo& c, const WeightsStamp& stamp);
bool dnnl_conv2d_backprop_filter(const float* x, const float* dy, float* dw, const ConvInfo& c);
void dnnl_set_enabled(bool on);
/** True when built with oneDNN and not disabled. */
bool dnnl_is_enabled();
/** Weight reorders run since the last call (the persistent layouts' test reads it), and clears the count. */
int64_t dnnl_take_weight_reorders();

}  // namespace neurite
