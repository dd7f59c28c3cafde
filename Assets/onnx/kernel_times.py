"""Shared by layer_norm_times.py and reduce_times.py: one kernel family's times, measured on the H200 (the ONNX
corpus's profiles, Assets/onnx/measured/kernels.jsonl.gz) and simulated by convtop (`convtop trace` of the ts17
export), keyed by grid size, and their comparison. Run those scripts from the repository root after `swift build -c release`."""
import collections, gzip, json, os, subprocess, tempfile

BIN = ".build/release/convtop"


def measured(keep):
    """{(case, grid blocks): [µs, ...]} of the profiled inference kernels `keep(record)` accepts."""
    out = collections.defaultdict(list)
    for line in gzip.open("Assets/onnx/measured/kernels.jsonl.gz", "rt"):
        r = json.loads(line)
        if r["case"].startswith("inf_") and keep(r):
            out[(r["case"], r["grid"][0])].append(r["dur"])
    return out


def compare(nets, measured_times, keep, axis, width, priced=False):
    """Prints, for every network at batch 1 and 32, each grid size's median simulated time (kernels whose name
    `keep(name)` accepts) against its median measured time (`measured_times`, from `measured`), and the ratios' median
    and range; `axis` names the grid size ("rows", "grid"), `width` pads the network's name, `priced` adds how convtop
    priced each kernel."""
    import statistics
    ratios = []
    for net in nets:
        for batch in [1, 32]:
            for size, durs in sorted(simulated(net, batch, keep).items()):
                m = measured_times.get((f"inf_{net}_b{batch}", size))
                if not m:
                    continue
                meas, sim = statistics.median(m), statistics.median(d for d, _ in durs)
                ratios.append(sim / meas)
                print(f"{net:{width}s} b{batch:<3d} {axis} {size:6d}  measured {meas:7.2f} us  simulated {sim:7.2f} us  ratio {sim / meas:.2f}"
                      + (f"  ({durs[0][1]})" if priced else ""))
    print(f"simulated / measured: median {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f}) over {len(ratios)} shapes")


def simulated(net, batch, keep):
    """{grid blocks: [(µs, how it was priced), ...]} of the kernels whose name `keep(name)` accepts in convtop's
    serial trace of the network's ts17 export at this batch on the H200."""
    path = os.path.join(tempfile.mkdtemp(), "t.json")
    subprocess.run([BIN, "trace", f"Assets/onnx/exported/{net}__ts17.onnx.gz", "--gpu", "h200", "--batch", str(batch),
                    "--policy", "serial", "--output", path], check=True, capture_output=True)
    out = collections.defaultdict(list)
    for e in json.load(open(path))["traceEvents"]:
        if e.get("cat") == "kernel" and keep(e["args"]["kernel"]):
            out[int(e["args"]["grid"])].append((e["dur"], e["args"].get("timing")))
    return out
