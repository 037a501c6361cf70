"""PyTorch reference for bench/ops.ts: same shapes, 2 threads, prints one JSON object.

Run by the benchmark with /usr/bin/python3 (Debian python3-torch) and tcmalloc preloaded;
convolutions in channels_last (NHWC in memory, as Neurite), torch's fastest CPU layout.
"""
import json, sys, time
import torch
import torch.nn.functional as F

torch.set_num_threads(2)
budget = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0


def timeit(fn):
    fn()
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


out = {"version": torch.__version__, "threads": torch.get_num_threads()}
for n in (256, 1024, 2048):
    a, b = torch.rand(n, n), torch.rand(n, n)
    out["mm%d" % n] = timeit(lambda: torch.mm(a, b))


def conv_case(name, N, H, W, C, K, O):
    cl = torch.channels_last
    x = torch.rand(N, C, H, W).to(memory_format=cl).requires_grad_()
    w = torch.rand(O, C, K, K).to(memory_format=cl).requires_grad_()
    dy = torch.rand(N, O, H - K + 1, W - K + 1).to(memory_format=cl)

    def fwd():
        with torch.no_grad():
            F.conv2d(x, w)

    def fwd_bwd():
        x.grad = None
        w.grad = None
        F.conv2d(x, w).backward(dy)

    out[name + "_fwd"] = timeit(fwd)
    out[name + "_fwdbwd"] = timeit(fwd_bwd)


conv_case("mnist", 128, 26, 26, 32, 3, 64)
conv_case("vgg", 32, 98, 98, 32, 3, 32)
a, b = torch.rand(8, 8), torch.rand(8, 8)
reps = 200000
t = time.perf_counter()
for _ in range(reps):
    torch.add(a, b)
out["add8x8"] = (time.perf_counter() - t) / reps
print(json.dumps(out))
