"""Does an op run slower when its weights are cold in the L2, as in a network, than when they are warm, as in the
catalog's repeats of one op?

    python3 measure_cold_weights.py OUT.jsonl

For each shape, one CUDA Graph replays the op N times on the same weights (warm: after the first call they stay in the
L2) and another replays it N times on N distinct weight tensors of the same shape, together at least four times the
L2 (cold: every call reads its weights from DRAM). The input is the same tensor in both. Both are timed on the device
alone (cuda_timing.timed_device) and divided by N. Shapes: ViT-B's four linear layers at the rows ViT-B/32 and ViT-B/16
run at batch 1-32 (50 or 197 tokens), ViT-L's at 197 rows, and three convolutions with large weights (ResNet-50's
last 3x3 and 1x1 at batch 1 and 32). fp32 tensors, TF32 convolutions, FP32 matrix products (PyTorch's defaults).
"""
import json, math, sys

import torch
import torch.nn.functional as F

from cuda_timing import capture, timed_device

torch.backends.cudnn.benchmark = False
torch.backends.cudnn.allow_tf32 = True
torch.backends.cuda.matmul.allow_tf32 = False
dev = torch.device("cuda")
L2 = torch.cuda.get_device_properties(0).L2_cache_size


def measure(label, make_weights, call, weight_bytes):
    n = max(16, math.ceil(4 * L2 / weight_bytes))
    n = min(n, 400)
    ws = [make_weights() for _ in range(n)]
    warm = capture(lambda: [call(ws[0]) for _ in range(n)])
    cold = capture(lambda: [call(w) for w in ws])
    w_ms, _ = timed_device(warm.replay, reps=15)
    c_ms, _ = timed_device(cold.replay, reps=15)
    rec = dict(case=label, calls=n, weight_bytes=weight_bytes, warm_us=w_ms * 1000 / n, cold_us=c_ms * 1000 / n)
    rec["ratio"] = rec["cold_us"] / rec["warm_us"]
    print(json.dumps(rec), flush=True)
    del ws, warm, cold
    torch.cuda.empty_cache()
    return rec


out = []
for d in (768, 1024):
    rows_list = [50, 100, 197, 400, 800, 1576, 6304] if d == 768 else [197, 1576]
    for rows in rows_list:
        x = torch.randn(rows, d, device=dev)
        xh = torch.randn(rows, 4 * d, device=dev)
        for i, o, inp in [(d, 3 * d, x), (d, d, x), (d, 4 * d, x), (4 * d, d, xh)]:
            out.append(measure(f"linear {rows}x{i}->{o}",
                               lambda i=i, o=o: (torch.randn(o, i, device=dev), torch.randn(o, device=dev)),
                               lambda w, inp=inp: F.linear(inp, w[0], w[1]), 4 * (i * o + o)))
for n, c, hw, k in [(1, 512, 7, 3), (32, 512, 7, 3), (1, 2048, 7, 1), (32, 2048, 7, 1)]:
    cin = c if k == 3 else 512
    x = torch.randn(n, cin, hw, hw, device=dev)
    out.append(measure(f"conv b{n} {cin}->{c} {k}x{k} {hw}x{hw}",
                       lambda cin=cin, c=c, k=k: torch.randn(c, cin, k, k, device=dev),
                       lambda w, x=x, k=k: F.conv2d(x, w, padding=k // 2), 4 * c * cin * k * k))
with open(sys.argv[1], "w") as f:
    for r in out:
        f.write(json.dumps(r) + "\n")
