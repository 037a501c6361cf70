"""PyTorch reference for bench/recurrent.ts: R1 LSTM(128) and R2 GRU(128) on 100 x 32 -> Dense(10)
softmax, batch 64, Adam, training (one step on a fixed batch) and inference samples/s.
Prints one JSON line. Usage: python3 torch_recurrent.py BUDGET_S"""
import json, sys, time
import torch

torch.set_num_threads(2)
budget = float(sys.argv[1]) if len(sys.argv) > 1 else 4.0
B, T, F, U = 64, 100, 32, 128


class Net(torch.nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.rnn = (torch.nn.LSTM if kind == 'lstm' else torch.nn.GRU)(F, U, batch_first=True)
        self.out = torch.nn.Linear(U, 10)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.out(y[:, -1])


def rate(step):
    t0 = time.perf_counter()
    for _ in range(3):
        step()
        if time.perf_counter() - t0 > budget / 3:
            break
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        n = 0
        while time.perf_counter() - t < budget / 3 or n < 2:
            step()
            n += 1
        runs.append(n * B / (time.perf_counter() - t))
    return sorted(runs)[1]


torch.manual_seed(0)
x = torch.rand(B, T, F)
y = torch.randint(0, 10, (B,))
out = {'version': torch.__version__}
for kind, key in (('lstm', 'r1'), ('gru', 'r2')):
    net = Net(kind)
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def train():
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()

    def infer():
        with torch.no_grad():
            net(x)

    out[key + '_train'] = rate(train)
    out[key + '_infer'] = rate(infer)
print(json.dumps(out))
