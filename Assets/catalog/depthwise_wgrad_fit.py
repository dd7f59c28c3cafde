"""Fits the time of PyTorch's depthwise weight-gradient kernel to the H200 catalog's launches of it.

    python3 depthwise_wgrad_fit.py [h200/catalog.tsv.gz]

`conv_depthwise2d_grad_weight_kernel` takes a block per weight element (C * kh * kw), min(32 N, 256) threads: a warp per
image (warps loop over images beyond the eighth), striding over the output map 32 positions at a time, then a block
reduction. Its time is fitted, by least squares in relative error, as

    c + a * waves + b * (warp-iterations per SM) + d * waves * (iterations per warp)

where waves = ceil(blocks / (SMs * resident blocks)), resident = min(32, 64 / warps per block) (the H200's block and warp
limits), and iterations per warp = ceil(N / warps) * ceil(Ho Wo / 32). Prints the coefficients in µs and in cycles at the
H200's boost clock (what Lowering.swift holds), the fit's errors, and a two-fold cross-validation that leaves whole
layers (every batch size) out.
"""
import gzip, json, math, os, random, sys

HERE = os.path.dirname(os.path.abspath(__file__))
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "h200", "catalog.tsv.gz")
gpu = json.load(open(os.path.join(HERE, "..", "gpus", "h200.json")))
SMS, CLOCK_MHZ = gpu["sm_count"], gpu["boost_clock_mhz"]
MAX_BLOCKS, MAX_WARPS = gpu["max_blocks_per_sm"], gpu["max_warps_per_sm"]

rows = []
for line in gzip.open(path, "rt"):
    f = line.rstrip("\n").split("\t")
    if f[0] != "E" or not f[1].startswith("conv.wgrad|"):
        continue
    p = dict(kv.split("=") for kv in f[1].split("|")[1:])
    p = {k: [int(v) for v in vals.split(",")] for k, vals in p.items()}
    n, c, h, w = p["x"]
    if p["g"][0] != c or p["cout"][0] != c:
        continue  # depthwise only (a group per channel, one filter each)
    kernels = [k.split(",") for k in f[4].split(";")]
    us = sum(float(k[-1]) for k in kernels)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = p["k"], p["s"], p["p"], p["d"]
    ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    warps = min(n, 8)
    its = math.ceil(n / warps) * math.ceil(ho * wo / 32)
    blocks = c * kh * kw
    waves = math.ceil(blocks / (SMS * min(MAX_BLOCKS, MAX_WARPS // warps)))
    layer = f[1].split("|", 2)[1].split(",", 1)[1] + f[1].split("|", 2)[2]
    rows.append(dict(us=us, x=[1.0, waves, blocks * warps * its / SMS, waves * its], layer=layer))


def fit(rs):
    # least squares on x/us against 1 (relative error), by the normal equations
    m = len(rs[0]["x"])
    A = [[sum(r["x"][i] * r["x"][j] / r["us"] ** 2 for r in rs) for j in range(m)] for i in range(m)]
    b = [sum(r["x"][i] / r["us"] for r in rs) for i in range(m)]
    for i in range(m):  # Gaussian elimination
        piv = max(range(i, m), key=lambda k: abs(A[k][i]))
        A[i], A[piv], b[i], b[piv] = A[piv], A[i], b[piv], b[i]
        for k in range(i + 1, m):
            t = A[k][i] / A[i][i]
            A[k] = [a - t * ai for a, ai in zip(A[k], A[i])]
            b[k] -= t * b[i]
    coef = [0.0] * m
    for i in reversed(range(m)):
        coef[i] = (b[i] - sum(A[i][j] * coef[j] for j in range(i + 1, m))) / A[i][i]
    return coef


def errors(coef, rs):
    return sorted(abs(math.log(sum(c * x for c, x in zip(coef, r["x"])) / r["us"])) for r in rs)


def summary(errs):
    return "median %.1f%%, 90th percentile %.1f%%, worst %.1f%% (|log ratio|, %d launches)" % (
        100 * errs[len(errs) // 2], 100 * errs[int(0.9 * len(errs))], 100 * errs[-1], len(errs))


coef = fit(rows)
print("launches:", len(rows))
print("coefficients (µs): c %.4f  a %.4f  b %.6f  d %.6f" % tuple(coef))
print("in cycles at %d MHz: c %.0f  a %.0f  b %.2f  d %.1f" % ((CLOCK_MHZ,) + tuple(x * CLOCK_MHZ for x in coef)))
print("fit:", summary(errors(coef, rows)))
layers = sorted({r["layer"] for r in rows})
random.Random(1).shuffle(layers)
fold = {l: i % 2 for i, l in enumerate(layers)}
for k in (0, 1):
    train = [r for r in rows if fold[r["layer"]] == k]
    test = [r for r in rows if fold[r["layer"]] != k]
    print("fold %d (fit on %d, test on %d):" % (k, len(train), len(test)), summary(errors(fit(train), test)))
