// A small persistent thread pool: the calling thread plus (threads - 1) workers split a
// range of tasks. Used for the kernels that OpenBLAS does not parallelize for us.
#pragma once
#include <cstdint>
#include <functional>

namespace neurite {

// Number of threads parallel_for may use (default: hardware concurrency, at most 8).
int num_threads();

// After a parallel job, workers poll for the next one for a short while (the next kernel of
// a planned step usually comes within microseconds; a wake-up costs more). Call this before
// handing the cores to a library with its own threads (OpenBLAS, oneDNN): the workers sleep.
void quiesce_pool();
void set_num_threads(int n);

// Runs fn(begin, end) over [0, n) split into at most num_threads() contiguous chunks of at
// least `grain` items; runs inline when n < 2 * grain or only one thread is configured.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Runs fn(task, thread) for task in [0, tasks), dynamically scheduled; `thread` in
// [0, num_threads()) identifies per-thread scratch space.
void parallel_tasks(int64_t tasks, const std::function<void(int64_t, int)>& fn);

}  // namespace neurite
