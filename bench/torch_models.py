"""PyTorch reference for bench/models.ts: prints one JSON object.

W1 = MLP 784-512-256-10, Adam 1e-3, batch 128; W2 = Keras mnist_cnn, Adam, batch 128;
W3 = the VGG-like net on 100x100x3, SGD 0.01 momentum 0.9 nesterov, batch 32.
train = zero_grad + cross_entropy (softmax + categorical CE on logits) + backward + step +
item; inference = softmax under no_grad (batch 1024, W3: 32), read back. 2 threads;
the convolutional nets and their inputs in channels_last (torch's fastest CPU layout);
bench/common.ts preloads tcmalloc.
Usage: torch_models.py BUDGET_S [w1,w2,w3]
"""
import json, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(0)
budget = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0

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
    "w1": (mlp, (784,), 128, 1024, lambda p: torch.optim.Adam(p, lr=1e-3)),
    "w2": (mnist_cnn, (1, 28, 28), 128, 1024, lambda p: torch.optim.Adam(p, lr=1e-3)),
    "w3": (vgg, (3, 100, 100), 32, 32, lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True)),
}


def rate(step, batch, reps=3):
    for _ in range(3):
        step()
    runs = []
    for _ in range(reps):
        t = time.perf_counter()
        n = 0
        while time.perf_counter() - t < budget / reps or n < 3:
            step()
            n += 1
        runs.append(n * batch / (time.perf_counter() - t))
    runs.sort()
    return runs[len(runs) // 2]


out = {"version": torch.__version__, "threads": torch.get_num_threads()}
for name in (sys.argv[2].split(",") if len(sys.argv) > 2 else ["w1", "w2", "w3"]):
    build, shape, batch, infer_batch, make_opt = SPECS[name]
    g = torch.Generator().manual_seed(1)
    model = build()
    layout = torch.channels_last if len(shape) == 3 else torch.contiguous_format
    model = model.to(memory_format=layout)
    opt = make_opt(model.parameters())
    x = torch.rand((batch, *shape), generator=g).contiguous(memory_format=layout)
    y = torch.randint(0, 10, (batch,), generator=g)
    xi = torch.rand((infer_batch, *shape), generator=g).contiguous(memory_format=layout)

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
    out[name + "_train"] = rate(train_step, batch)
    model.eval()
    out[name + "_infer"] = rate(infer_step, infer_batch)
print(json.dumps(out))
