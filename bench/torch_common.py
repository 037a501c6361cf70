"""Shared by bench/torch_*.py (the PyTorch sides of the benchmark harness, bench/common.ts)."""
import time


def rate(step, batch, budget):
    """Samples/s of step() over `budget` seconds, after a warm-up of min(1, budget/2) s (at least 3 calls)."""
    t = time.perf_counter()
    n = 0
    while time.perf_counter() - t < min(1.0, budget / 2) or n < 3:
        step()
        n += 1
    t = time.perf_counter()
    n = 0
    while time.perf_counter() - t < budget or n < 2:
        step()
        n += 1
    return n * batch / (time.perf_counter() - t)


def allocator():
    """'tcmalloc' when the harness preloaded it into this process, else 'glibc'."""
    with open("/proc/self/maps") as f:
        return "tcmalloc" if "tcmalloc" in f.read() else "glibc"
