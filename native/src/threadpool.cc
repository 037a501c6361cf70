#include "threadpool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace neurite {
namespace {

class Pool {
 public:
  explicit Pool(int threads) { resize(threads); }
  ~Pool() { stop(); }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int threads) {
    stop();
    stopping_ = false;
    stopping_flag_.store(false);
    // New workers start from the current generation: the last job is not theirs to join.
    const uint64_t now = generation_.load(std::memory_order_acquire);
    for (int i = 1; i < threads; i++) workers_.emplace_back([this, i, now] { loop(i, now); });
  }

  // Runs job(task, thread) for every task; the caller works too and returns when all finish.
  void run(int64_t tasks, const std::function<void(int64_t, int)>& job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = &job;
      tasks_ = tasks;
      next_.store(0);
      active_.store(static_cast<int>(workers_.size()));
      generation_.fetch_add(1, std::memory_order_release);
    }
    // Workers still spinning from the previous job see the new generation without a wake-up
    // (a futex round trip costs 5–20 µs on these VMs, more than a batch-1 layer's arithmetic).
    if (sleeping_.load(std::memory_order_acquire) > 0) cv_.notify_all();
    work(0);
    // Wait for the workers to leave the job (they finish their last task first).
    while (active_.load(std::memory_order_acquire) > 0) std::this_thread::yield();
  }

 private:
  void work(int thread) {
    for (;;) {
      int64_t t = next_.fetch_add(1);
      if (t >= tasks_) break;
      (*job_)(t, thread);
    }
  }

  // After a job a worker polls for the next one for about kSpinMicros (the next kernel of a
  // planned step usually comes within microseconds), then sleeps on the condition variable.
  void loop(int thread, uint64_t seen) {
    // quiesce() calls since the last job started send a polling worker to sleep (taken when
    // the job starts, so a call made while the worker finished that job is not missed).
    uint64_t quiet = quiet_.load(std::memory_order_acquire);
    for (;;) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
      bool woke = false;
      while (!woke) {
        for (int i = 0; i < 256; i++) {
          if (generation_.load(std::memory_order_acquire) != seen || stopping_flag_.load(std::memory_order_acquire)) {
            woke = true;
            break;
          }
#if defined(__x86_64__) || defined(__i386__)
          __builtin_ia32_pause();
#endif
        }
        // Stop polling when the time is up, or when a library with threads of its own
        // (OpenBLAS, oneDNN) is about to run: a polling worker would take a core from it.
        if (!woke && (std::chrono::steady_clock::now() > until || quiet_.load(std::memory_order_acquire) != quiet)) break;
      }
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (!woke) {
          sleeping_.fetch_add(1, std::memory_order_acq_rel);
          cv_.wait(lock, [&] { return stopping_ || generation_.load(std::memory_order_acquire) != seen; });
          sleeping_.fetch_sub(1, std::memory_order_acq_rel);
        }
        if (stopping_) return;
        seen = generation_.load(std::memory_order_acquire);
        quiet = quiet_.load(std::memory_order_acquire);
      }
      work(thread);
      active_.fetch_sub(1, std::memory_order_release);
    }
  }

  static constexpr int kSpinMicros = 200;

 public:
  /** Sends polling workers to sleep now. */
  void quiesce() { quiet_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  std::atomic<uint64_t> quiet_{0};

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      stopping_flag_.store(true, std::memory_order_release);
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  const std::function<void(int64_t, int)>* job_ = nullptr;
  int64_t tasks_ = 0;
  std::atomic<int64_t> next_{0};
  std::atomic<int> active_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> sleeping_{0};
  std::atomic<bool> stopping_flag_{false};
  bool stopping_ = false;
};

int default_threads() {
  unsigned hw = std::thread::hardware_concurrency();
  return std::max(1, std::min(8, static_cast<int>(hw == 0 ? 1 : hw)));
}

Pool& pool() {
  static Pool p(default_threads());
  return p;
}

}  // namespace

int num_threads() { return pool().size(); }

void quiesce_pool() { pool().quiesce(); }

void set_num_threads(int n) { pool().resize(std::max(1, std::min(64, n))); }

void parallel_tasks(int64_t tasks, const std::function<void(int64_t, int)>& fn) {
  if (tasks <= 0) return;
  if (tasks == 1 || num_threads() == 1) {
    for (int64_t t = 0; t < tasks; t++) fn(t, 0);
    return;
  }
  pool().run(tasks, fn);
}

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  int threads = num_threads();
  if (threads == 1 || n < 2 * grain) {
    fn(0, n);
    return;
  }
  int64_t chunks = std::min<int64_t>(threads, n / grain);
  int64_t step = (n + chunks - 1) / chunks;
  parallel_tasks(chunks, [&](int64_t c, int) {
    int64_t b = c * step;
    int64_t e = std::min(n, b + step);
    if (b < e) fn(b, e);
  });
}

}  // namespace neurite
