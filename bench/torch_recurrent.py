"""PyTorch side of bench/recurrent.ts: R1 LSTM(128) and R2 GRU(128) on 100 x 32 -> Dense(10)
softmax, batch 64, Adam, training (one step on a fixed batch) and inference samples/s.

The allocator is chosen by the harness (LD_PRELOAD of tcmalloc or not); recurrent nets have
no memory layout to choose. Threads: torch.set_num_threads(BENCH_THREADS). Timing as
bench/common.ts samplesPerSecond. Prints one result line.
Usage: torch_recurrent.py BUDGET_S none r1,r2
"""
import json, os, sys, time
import torch
from torch_common import allocator, rate

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
torch.set_num_threads(THREADS)
budget = float(sys.argv[1])
workloads = sys.argv[3].split(",") if len(sys.argv) > 3 else ["r1", "r2"]
B, T, F, U = 64, 100, 32, 128


class Net(torch.nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.rnn = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(F, U, batch_first=True)
        self.out = torch.nn.Linear(U, 10)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.out(y[:, -1])  # logits: training uses cross_entropy on them (fused log-softmax)





torch.manual_seed(0)
x = torch.rand(B, T, F) * 2 - 1
y = torch.arange(B) % 10
rates = {}
for kind, key in (("lstm", "r1"), ("gru", "r2")):
    if key not in workloads:
        continue
    net = Net(kind)
    opt = torch.optim.Adam(net.parameters(), 1e-3)

    def train():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()

    def infer():
        with torch.no_grad():
            torch.softmax(net(x), 1)[0, 0].item()

    rates[key + "_train"] = rate(train, B, budget)
    rates[key + "_infer"] = rate(infer, B, budget)
print("BENCH-RESULT " + json.dumps({"version": torch.__version__, "threads": torch.get_num_threads(), "allocator": allocator(), "rates": rates}))
