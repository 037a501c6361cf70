"""PyTorch side of bench/ops.ts: the same shapes, one result line of seconds per call.

The allocator is chosen by the harness (LD_PRELOAD of tcmalloc or not); LAYOUT nchw
measures sgemm, the convolutions in the default contiguous (NCHW) layout and the tiny add;
channels_last measures the convolutions in channels_last (NHWC in memory, as Neurite) only
(sgemm and the add have no layout). Threads: torch.set_num_threads(BENCH_THREADS).
Usage: torch_ops.py BUDGET_S LAYOUT
"""
import json, os, sys, time
import torch
from torch_common import allocator
import torch.nn.functional as F

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
torch.set_num_threads(THREADS)
budget = float(sys.argv[1])
layout_name = sys.argv[2]
layout = torch.channels_last if layout_name == "channels_last" else torch.contiguous_format


def timeit(fn):
    fn()
    times = []
    start = time.perf_counter()
    while True:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if time.perf_counter() - start > budget and len(times) >= 3:
            break
    times.sort()
    return times[len(times) // 2]




out = {"version": torch.__version__, "threads": torch.get_num_threads(), "allocator": allocator(), "layout": layout_name, "times": {}}
times = out["times"]
if layout_name != "channels_last":
    for n in (256, 1024, 2048):
        a, b = torch.rand(n, n), torch.rand(n, n)
        times["mm%d" % n] = timeit(lambda: torch.mm(a, b))


def conv_case(name, N, H, W, C, K, O):
    x = torch.rand(N, C, H, W).to(memory_format=layout).requires_grad_()
    w = torch.rand(O, C, K, K).to(memory_format=layout).requires_grad_()
    dy = torch.rand(N, O, H - K + 1, W - K + 1).to(memory_format=layout)

    def fwd():
        with torch.no_grad():
            F.conv2d(x, w)

    def fwd_bwd():
        x.grad = None
        w.grad = None
        F.conv2d(x, w).backward(dy)

    times[name + "_fwd"] = timeit(fwd)
    times[name + "_fwdbwd"] = timeit(fwd_bwd)


conv_case("mnist", 128, 26, 26, 32, 3, 64)
conv_case("vgg", 32, 98, 98, 32, 3, 32)
if layout_name != "channels_last":
    a, b = torch.rand(8, 8), torch.rand(8, 8)
    reps = 200000
    for _ in range(reps):
        torch.add(a, b)
    t = time.perf_counter()
    for _ in range(reps):
        torch.add(a, b)
    times["add8x8"] = (time.perf_counter() - t) / reps
print("BENCH-RESULT " + json.dumps(out))
