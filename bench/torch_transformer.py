"""PyTorch side of bench/transformer.ts: T1 one nn.TransformerEncoderLayer and T2 a 4-layer
nn.TransformerEncoder -> mean over the steps -> Linear(128, 10), on x [32, 64, 128]; Adam,
training (one step on a fixed batch: T1 MSE to a fixed target, T2 cross_entropy on the
logits) and inference samples/s.

The layer: d_model 128, 4 heads, dim_feedforward 512, activation relu (the default),
dropout 0, layer_norm_eps 1e-5, batch_first=True, norm_first=False (the defaults: post-norm).
Training runs in train mode (module by module); inference in eval mode under
torch.inference_mode(), where TransformerEncoderLayer takes its fused fast path
(torch._transformer_encoder_layer_fwd). Gradients are zeroed with set_to_none=True.
The allocator is chosen by the harness (LD_PRELOAD of tcmalloc or not); there is no
memory layout to choose. Threads: torch.set_num_threads(BENCH_THREADS). Timing as
bench/common.ts samplesPerSecond. Prints one result line.

Usage: torch_transformer.py BUDGET_S none t1,t2
       torch_transformer.py 0 none check DIR   (Neurite's weights and outputs from DIR: prints
       the max |Neurite - PyTorch| of each workload in train and eval mode)
"""
import json, os, sys
import torch
from torch_common import allocator, rate

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
torch.set_num_threads(THREADS)
B, L, D, H, FF, CLASSES = 32, 64, 128, 4, 512, 10


def encoder_layer():
    return torch.nn.TransformerEncoderLayer(D, H, dim_feedforward=FF, dropout=0.0, activation="relu",
                                            layer_norm_eps=1e-5, batch_first=True, norm_first=False)


class Classifier(torch.nn.Module):
    def __init__(self, blocks):
        super().__init__()
        self.encoder = torch.nn.TransformerEncoder(encoder_layer(), blocks)
        self.out = torch.nn.Linear(D, CLASSES)

    def forward(self, x):
        return self.out(self.encoder(x).mean(1))  # logits: training uses cross_entropy on them


def build(key):
    return encoder_layer() if key == "t1" else Classifier(4)


def check(folder):
    """Loads Neurite's weights into the PyTorch modules and compares the outputs."""
    with open(os.path.join(folder, "manifest.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(folder, "weights.bin"), "rb") as f:
        flat = torch.frombuffer(bytearray(f.read()), dtype=torch.float32)

    def part(shape, offset):
        n = 1
        for d in shape:
            n *= d
        return flat[offset:offset + n].view(shape).clone()

    fast = {"calls": 0}
    fused = torch._transformer_encoder_layer_fwd

    def counted(*args, **kwargs):
        fast["calls"] += 1
        return fused(*args, **kwargs)

    torch._transformer_encoder_layer_fwd = counted
    checks = {}
    for key, spec in manifest.items():
        net = build(key)
        net.load_state_dict({name: part(shape, offset) for name, shape, offset in spec["weights"]}, strict=True)
        x, expected = part(*spec["x"]), part(*spec["y"])
        net.train()
        with torch.no_grad():
            train = (net(x) - expected).abs().max().item()
        net.eval()
        fast["calls"] = 0
        with torch.inference_mode():
            infer = (net(x) - expected).abs().max().item()
        checks[key] = {"train": train, "infer": infer, "fastpathCalls": fast["calls"]}
    torch._transformer_encoder_layer_fwd = fused
    print("BENCH-RESULT " + json.dumps({"version": torch.__version__, "threads": torch.get_num_threads(), "checks": checks}))


def measure(budget, workloads):
    torch.manual_seed(0)
    x = torch.rand(B, L, D) * 2 - 1
    targets = {"t1": torch.rand(B, L, D) * 2 - 1, "t2": torch.arange(B) % CLASSES}
    rates = {}
    for key in ("t1", "t2"):
        if key not in workloads:
            continue
        net = build(key)
        opt = torch.optim.Adam(net.parameters(), 1e-3)
        y = targets[key]
        loss_fn = torch.nn.functional.mse_loss if key == "t1" else torch.nn.functional.cross_entropy

        def train():
            opt.zero_grad(set_to_none=True)
            loss_fn(net(x), y).backward()
            opt.step()

        def infer():
            with torch.inference_mode():
                net(x).view(-1)[0].item()

        net.train()
        rates[key + "_train"] = rate(train, B, budget)
        net.eval()
        rates[key + "_infer"] = rate(infer, B, budget)
    print("BENCH-RESULT " + json.dumps({"version": torch.__version__, "threads": torch.get_num_threads(), "allocator": allocator(), "rates": rates}))


if len(sys.argv) > 4 and sys.argv[3] == "check":
    check(sys.argv[4])
else:
    measure(float(sys.argv[1]), sys.argv[3].split(",") if len(sys.argv) > 3 else ["t1", "t2"])
