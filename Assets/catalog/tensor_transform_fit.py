#!/usr/bin/env python3
"""Fits cuDNN's generic filter transform (`tensorTransformGeneric`) to the H200 catalog's launches of it, and says when
cuDNN runs it.

    python3 Assets/catalog/tensor_transform_fit.py

cuDNN's NHWC kernels take the filter in NHWC. A grouped convolution (1 < groups < channels) whose channels per group
are a power of two (4–64 in the catalog) gets it from the fast `nchwToNhwcKernel`; any other width (12, 20, 24, 40,
48) from `tensorTransformGeneric`, 264 blocks of 1,024 threads, whatever the size. The rule is printed per pass and
width from the catalog's grouped convolutions (forward passes and data gradients follow it wherever they do not run
group by group; weight gradients half the time, so they are left out).

The time is fitted, by least squares in relative error over every launch in the catalog (grouped or dense), as
    fixed µs + 2 x the filter's bytes / rate
and carried into Lowering (`tensorTransformExtraUs`: the fixed µs less the H200's kernel_latency_us;
`tensorTransformBandwidthShare`: the rate over the datasheet DRAM bandwidth). The catalog's filters are small (up to
0.7 MB), so the fit is checked where they are larger: round 19's launches (held out of the catalog, filters up to 8 MB)
and round 7's, and round 24's RegNets (filters of 5 and 12 MB, profiled in networks).
"""
import gzip, json, os, statistics

HERE = os.path.dirname(os.path.abspath(__file__))
GPU = json.load(open(os.path.join(HERE, "..", "gpus", "h200.json")))
CAL = os.path.join(HERE, "..", "calibration")


def conv_entries(path):
    """(key, parameters, kernel names, kernel µs) of every convolution entry of a catalog-format file."""
    names = {}
    for line in gzip.open(path, "rt"):
        f = line.rstrip("\n").split("\t")
        if f[0] == "N":
            names[int(f[1])] = f[2]
        elif f[0] == "E" and f[1].startswith("conv."):
            p = {kv.split("=")[0]: [int(v) for v in kv.split("=")[1].split(",")] for kv in f[1].split("|")[1:]}
            kernels = [k.split(",") for k in f[4].split(";")]
            yield f[1], p, [names[int(k[0])] for k in kernels], [float(k[-1]) for k in kernels]


def launches(path):
    """(filter bytes, µs, key, grouped) of every tensorTransformGeneric launch of a catalog-format file's convolutions."""
    out = []
    for key, p, names, us in conv_entries(path):
        g, x, cout, k = p["g"][0], p["x"], p["cout"][0], p["k"]
        out += [(cout * (x[1] // g) * k[0] * k[1] * 4, t, key, 1 < g < x[1])
                for name, t in zip(names, us) if "tensorTransformGeneric" in name]
    return out


def rule_table(path):
    """Per pass and channels per group: how many grouped 3×3 convolutions ran the generic transform, the fast one, or
    group by group."""
    table = {}
    for key, p, names, _ in conv_entries(path):
        g, c = p["g"][0], p["x"][1]
        if not 1 < g < c:
            continue
        path_ = "by group" if any("genericTranspose" in n for n in names) else (
            "generic" if any("tensorTransformGeneric" in n for n in names) else "fast")
        row = table.setdefault((key.split("|")[0], c // g), {})
        row[path_] = row.get(path_, 0) + 1
    return table


def fit(points):
    """Least squares in relative error of t = a + b * (2 * bytes): returns (a µs, rate GB/s)."""
    # minimise sum((a + b x) / t - 1)^2: normal equations in a, b
    s11 = sum(1 / t ** 2 for _, t, _, _ in points)
    s12 = sum(2 * w / t ** 2 for w, t, _, _ in points)
    s22 = sum((2 * w) ** 2 / t ** 2 for w, t, _, _ in points)
    r1 = sum(1 / t for _, t, _, _ in points)
    r2 = sum(2 * w / t for w, t, _, _ in points)
    det = s11 * s22 - s12 * s12
    a, b = (r1 * s22 - r2 * s12) / det, (s11 * r2 - s12 * r1) / det
    return a, 1 / b / 1e3


def main():
    cat = launches(os.path.join(HERE, "h200", "catalog.tsv.gz"))
    a, rate = fit(cat)
    print(f"catalog: {len(cat)} launches, filters {min(w for w, *_ in cat) / 1e6:.3f}-{max(w for w, *_ in cat) / 1e6:.2f} MB")
    print(f"fit: {a:.2f} µs + 2 x filter bytes at {rate:.0f} GB/s")
    print(f"Lowering: tensorTransformExtraUs = {a - GPU['kernel_latency_us']:.2f}, "
          f"tensorTransformBandwidthShare = {rate / GPU['dram_bandwidth_gbs']:.4f}")
    def err(pts):
        e = [(a + 2 * w / rate / 1e3) / t - 1 for w, t, _, _ in pts]
        return statistics.median(e), statistics.median(abs(v) for v in e)
    print("fitted: median signed %+.1f%%, median %.1f%%" % tuple(100 * v for v in err(cat)))
    for name, rel in [("round 19", "round19/random_convs.tsv.gz"), ("round 7", "round7/conv_ops.tsv.gz")]:
        pts = launches(os.path.join(CAL, rel))
        big = [p for p in pts if p[0] > 2e6]
        print(f"{name} (held out): {len(pts)} launches, median signed %+.1f%%, median %.1f%%" % tuple(100 * v for v in err(pts))
              + (f"; the {len(big)} over 2 MB %+.1f%%" % (100 * err(big)[0]) if big else ""))
    r24 = [json.loads(l) for l in gzip.open(os.path.join(CAL, "round24", "kernels.jsonl.gz"), "rt")]
    for case, label, bytes_ in [("inf_regnet_y_16gf_b2", "trunk_output_block3_block3_2_f_b_0", 1232 * 112 * 9 * 4),
                                ("inf_regnet_y_16gf_b2", "trunk_output_block4_block4_0_f_b_0", 3024 * 112 * 9 * 4)]:
        t = [r["dur"] for r in r24 if r["case"] == case and r.get("label") == label and "tensorTransformGeneric" in r["name"]]
        if t:
            print(f"round 24 {case} {label}: {bytes_ / 1e6:.1f} MB filter, {t[0]:.1f} µs measured, "
                  f"{a + 2 * bytes_ / rate / 1e3:.1f} fitted")
    print("\ngrouped 3×3 convolutions by pass and channels per group: generic / fast / by group")
    for (op, width), row in sorted(rule_table(os.path.join(HERE, "h200", "catalog.tsv.gz")).items()):
        print(f"  {op:<13} {width:>3}  {row.get('generic', 0):>4} / {row.get('fast', 0):>4} / {row.get('by group', 0):>4}")


if __name__ == "__main__":
    main()
