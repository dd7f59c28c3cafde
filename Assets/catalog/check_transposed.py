"""Checks that a transposed convolution runs the kernels of the convolution that maps its output shape back to its
input shape: its forward pass those of that convolution's data gradient, its data gradient those of that
convolution's forward pass, its weight gradient that convolution's weight gradient (convtop prices it so, from the
kernel catalog's entries for that convolution).

    python3 check_transposed.py OUT.jsonl

Each case is profiled five times per pass (fp32 tensors, TF32 convolutions, cudnn.benchmark off: PyTorch's
defaults); one line per case and pass: the kernels' names and their median total duration, both ways.
"""
import json, statistics, sys
import torch
import torch.nn.functional as F

torch.backends.cudnn.benchmark = False
torch.backends.cudnn.allow_tf32 = True
dev = torch.device("cuda")
REPS = 5
# (batch, transposed conv's in channels, out channels, its input map, window, padding): U-Net and GAN decoder shapes
CASES = [(32, 16, 8, 32, 2, 0), (32, 8, 4, 32, 2, 0), (8, 256, 128, 32, 2, 0), (1, 128, 64, 64, 2, 0),
         (64, 512, 256, 8, 4, 1), (16, 128, 64, 32, 4, 1), (8, 64, 32, 56, 3, 1)]


def timed(fn):
    """Median over REPS of the summed kernel time (µs) of one call, and the kernel names of the last."""
    fn(); torch.cuda.synchronize()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        for r in range(REPS):
            with torch.profiler.record_function(f"rep{r}"):
                fn()
            torch.cuda.synchronize()
    ev = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
    per = {}
    for e in ev:
        per.setdefault(e.name, []).append(e.device_time)
    total = sum(statistics.median(v) * len(v) / REPS for v in per.values())
    return total, sorted(per)


def passes(n, cin, cout, hw, k, p):
    op = 1 if k == 3 else 0
    x = torch.randn(n, cin, hw, hw, device=dev, requires_grad=True)
    w = torch.randn(cin, cout, k, k, device=dev, requires_grad=True)     # conv_transpose2d weight: in, out, kh, kw
    y = F.conv_transpose2d(x, w, stride=2, padding=p, output_padding=op)
    gy = torch.randn_like(y)
    # the convolution mapping y's shape back to x's: input y-shaped, weight out=cin, in=cout (the same tensor)
    xe = torch.randn_like(y, requires_grad=True)
    we = w.detach().clone().requires_grad_(True)
    ye = F.conv2d(xe, we, stride=2, padding=p)
    assert ye.shape == x.shape, (ye.shape, x.shape)
    gye = torch.randn_like(ye)
    yield "forward vs dgrad", (lambda: F.conv_transpose2d(x, w, stride=2, padding=p, output_padding=op)), \
        (lambda: torch.autograd.grad(ye, [xe], gye, retain_graph=True))
    yield "data gradient vs forward", (lambda: torch.autograd.grad(y, [x], gy, retain_graph=True)), \
        (lambda: F.conv2d(xe, we, stride=2, padding=p))
    yield "weight gradient vs wgrad", (lambda: torch.autograd.grad(y, [w], gy, retain_graph=True)), \
        (lambda: torch.autograd.grad(ye, [we], gye, retain_graph=True))


with open(sys.argv[1], "w") as out:
    for case in CASES:
        for what, a, b in passes(*case):
            ta, na = timed(a); tb, nb = timed(b)
            rec = dict(case=case, check=what, transposed_us=round(ta, 3), convolution_us=round(tb, 3),
                       same_kernels=na == nb, transposed=[s[:90] for s in na], convolution=[s[:90] for s in nb])
            out.write(json.dumps(rec) + "\n")
            print(f"{str(case):28s} {what:26s} {ta:8.2f} {tb:8.2f} same={na == nb}", flush=True)
