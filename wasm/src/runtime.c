// The arena allocator and the thread pool of the wasm kernels.
#include "nt.h"

extern unsigned char __heap_base;

static size_t arena_top = 0;  // next free byte; 0 until first use

static size_t memory_bytes(void) { return __builtin_wasm_memory_size(0) * 65536u; }

// Reserves `bytes` at the top of the arena, growing the memory in whole pages.
void* nt_arena_alloc(size_t bytes) {
  if (!arena_top) arena_top = ((size_t)&__heap_base + 63) & ~(size_t)63;
  size_t start = arena_top;
  size_t end = start + ((bytes + 63) & ~(size_t)63);
  if (end < start) return 0;
  size_t have = memory_bytes();
  if (end > have) {
    // Grow by at least an eighth of the memory (and 4 MiB): memory.grow is costly (more so on
    // shared memory), so a run of allocations should not pay it each time.
    const size_t needed = (end - have + 65535) / 65536;
    size_t pages = have / 65536 / 8;
    if (pages < 64) pages = 64;
    if (pages < needed) pages = needed;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1 && __builtin_wasm_memory_grow(0, needed) == (size_t)-1) return 0;
  }
  arena_top = end;
  return (void*)start;
}

// JavaScript's side of the arena: allocate, read the top, and release back to a mark.
uint32_t EXPORT(nt_alloc)(uint32_t bytes) { return (uint32_t)(size_t)nt_arena_alloc(bytes); }
uint32_t EXPORT(nt_mark)(void) {
  if (!arena_top) arena_top = ((size_t)&__heap_base + 63) & ~(size_t)63;
  return (uint32_t)arena_top;
}
void EXPORT(nt_release)(uint32_t mark) { arena_top = mark; }

void* task_copy(const void* ctx, size_t bytes) {
  void* p = nt_arena_alloc(bytes + 64);
  __builtin_memcpy(p, ctx, bytes);
  return p;
}

void nt_zero(float* p, size_t n) { __builtin_memset(p, 0, n * sizeof(float)); }
void nt_copy(float* dst, const float* src, size_t n) { __builtin_memmove(dst, src, n * sizeof(float)); }

// ---- threads ----------------------------------------------------------------------------
// Workers are extra instances of this module on the same shared memory, each in its own
// Web Worker / worker_thread, parked in nt_worker_loop. The caller publishes a task and
// bumps `generation`; workers run their share and count `pending` down. The caller spins
// (a browser's main thread may not block) until every worker has finished.
#if NT_THREADS
static volatile int32_t generation = 0;
static volatile int32_t pending = 0;
static volatile int32_t workers = 0;  // workers parked in the loop
static int can_wait = 0;
// Polls of a flag before a thread goes to sleep on it.
#define SPINS 4000
static task_fn task;

void EXPORT(nt_set_can_wait)(int yes) { can_wait = yes; }
static void* task_ctx;
static int task_threads;

int nt_threads(void) { return 1 + __atomic_load_n(&workers, __ATOMIC_ACQUIRE); }

void EXPORT(nt_worker_loop)(int tid) {
  int32_t seen = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
  __atomic_fetch_add(&workers, 1, __ATOMIC_ACQ_REL);
  for (;;) {
    int32_t g;
    int spins = 0;
    while ((g = __atomic_load_n(&generation, __ATOMIC_ACQUIRE)) == seen) {
      // A short spin catches the next kernel of a step; then sleep until notified.
      if (++spins > SPINS) __builtin_wasm_memory_atomic_wait32((int32_t*)&generation, seen, -1);
    }
    seen = g;
    if (tid < task_threads) {
      task(task_ctx, tid, task_threads);
      if (__atomic_sub_fetch(&pending, 1, __ATOMIC_ACQ_REL) == 0) __builtin_wasm_memory_atomic_notify((int32_t*)&pending, 1);
    }
  }
}

void parallel_run(task_fn fn, void* ctx, int max_threads) {
  int t = nt_threads();
  if (max_threads > 0 && t > max_threads) t = max_threads;
  if (t <= 1) {
    fn(ctx, 0, 1);
    return;
  }
  task = fn;
  task_ctx = ctx;
  task_threads = t;
  __atomic_store_n(&pending, t - 1, __ATOMIC_RELEASE);
  __atomic_fetch_add(&generation, 1, __ATOMIC_ACQ_REL);
  __builtin_wasm_memory_atomic_notify((int32_t*)&generation, (uint32_t)-1);
  fn(ctx, 0, t);
  // Wait for the workers: spin briefly, then sleep where this thread may block (Node,
  // Web Workers); a browser's main thread may not, so it keeps spinning.
  int32_t left;
  int spins = 0;
  while ((left = __atomic_load_n(&pending, __ATOMIC_ACQUIRE)) != 0) {
    if (can_wait && ++spins > SPINS) __builtin_wasm_memory_atomic_wait32((int32_t*)&pending, left, 1000000);
  }
}
#else
int nt_threads(void) { return 1; }
void parallel_run(task_fn fn, void* ctx, int max_threads) {
  (void)max_threads;
  fn(ctx, 0, 1);
}
#endif

int EXPORT(nt_thread_count)(void) { return nt_threads(); }
