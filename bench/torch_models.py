"""PyTorch side of bench/models.ts: one workload in one configuration, one result line.

W1 = MLP 784-512-256-10, Adam 1e-3, batch 128; W2 = Keras mnist_cnn, Adam, batch 128;
W3 = the VGG-like net on 100x100x3, SGD 0.01 momentum 0.9 nesterov, batch 32.
train = zero_grad + cross_entropy (softmax + categorical CE on logits) + backward + step +
item; inference = softmax under no_grad on the inference batch, read back.
The allocator is chosen by the harness (LD_PRELOAD of tcmalloc or not); the layout here
(nchw or channels_last for the convolutional nets, 'none' for W1). Threads:
torch.set_num_threads(BENCH_THREADS). Timing as bench/common.ts samplesPerSecond: at least
3 warm-up calls and min(1, budget/2) s, then at least 2 timed calls and budget s.
trainRssMb: the process's peak RSS right after the training steps (before inference).
Usage: torch_models.py BUDGET_S LAYOUT WORKLOAD INFER_BATCH
"""
import json, os, resource, sys, time
import torch
from torch_common import allocator, rate
import torch.nn as nn
import torch.nn.functional as F

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
torch.set_num_threads(THREADS)
torch.manual_seed(0)
budget = float(sys.argv[1])
layout_name = sys.argv[2]
name = sys.argv[3]
infer_batch = int(sys.argv[4])


def mlp():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))


def mnist_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(12 * 12 * 64, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))


def vgg():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3), nn.ReLU(), nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(22 * 22 * 64, 256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 10))


SPECS = {
    "w1": (mlp, (784,), 128, lambda p: torch.optim.Adam(p, lr=1e-3)),
    "w2": (mnist_cnn, (1, 28, 28), 128, lambda p: torch.optim.Adam(p, lr=1e-3)),
    "w3": (vgg, (3, 100, 100), 32, lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True)),
}





def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


build, shape, batch, make_opt = SPECS[name]
g = torch.Generator().manual_seed(1)
model = build()
layout = torch.channels_last if layout_name == "channels_last" else torch.contiguous_format
if len(shape) == 3:
    model = model.to(memory_format=layout)
opt = make_opt(model.parameters())
x = torch.rand((batch, *shape), generator=g)
y = torch.randint(0, 10, (batch,), generator=g)
xi = torch.rand((infer_batch, *shape), generator=g)
if len(shape) == 3:
    x = x.contiguous(memory_format=layout)
    xi = xi.contiguous(memory_format=layout)


def train_step():
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    loss.item()


def infer_step():
    with torch.no_grad():
        torch.softmax(model(xi), 1).sum().item()


model.train()
train = rate(train_step, batch, budget)
train_rss = max_rss_mb()
model.eval()
infer = rate(infer_step, infer_batch, budget)
print("BENCH-RESULT " + json.dumps({
    "version": torch.__version__, "threads": torch.get_num_threads(), "allocator": allocator(),
    "layout": layout_name, "train": train, "infer": infer, "trainRssMb": train_rss,
}))
