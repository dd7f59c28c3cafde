"""Cold-against-warm timing shared by measure_cold_linear.py and measure_cold_backward.py.

An op is timed twice under the profiler, REPS times each:
  cold  read a buffer three times the L2 (flushing it), rewrite the op's hot input in place (as the kernel before it
        in a network would have left it in the L2), then the op;
  warm  the op twice in a row, the second call timed (the kernel catalog's condition).
The kernels are the profiler's (CUPTI durations, as the catalog's), the median per position over the repeats.
"""
import bisect, json, os, statistics, tempfile, time

import torch


def flusher():
    """A buffer three times the L2 (floats): summing it evicts everything else."""
    return torch.empty(3 * torch.cuda.get_device_properties(0).L2_cache_size // 4, device="cuda")


def profile(chunk, reps, flush):
    """{(op, mode, rep): [kernel dicts]} for a chunk of (hot tensor, closure) pairs, cold and warm."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]) as prof:
        for j, (hot, fn) in enumerate(chunk):
            for r in range(reps):
                flush.sum(); hot.mul_(1.0)
                with torch.profiler.record_function(f"cold::{j}:{r}"):
                    fn()
            for r in range(reps):
                fn()
                with torch.profiler.record_function(f"warm::{j}:{r}"):
                    fn()
        torch.cuda.synchronize()
    path = os.path.join(tempfile.mkdtemp(), "t.json")
    prof.export_chrome_trace(path)
    ev = json.load(open(path))["traceEvents"]
    os.remove(path)
    ranges = sorted((e for e in ev if e.get("cat") == "user_annotation" and "::" in str(e.get("name", ""))), key=lambda e: e["ts"])
    starts = [r["ts"] for r in ranges]
    label = {}
    for l in ev:
        if l.get("cat") not in ("cuda_runtime", "cuda_driver"): continue
        k = bisect.bisect_right(starts, l["ts"]) - 1
        if k >= 0 and l["ts"] <= ranges[k]["ts"] + ranges[k]["dur"]:
            corr = l.get("args", {}).get("correlation")
            if corr is not None: label[corr] = ranges[k]["name"]
    out = {}
    for k in sorted((e for e in ev if e.get("cat") in ("kernel", "gpu_memset")), key=lambda e: e["ts"]):
        lab = label.get(k.get("args", {}).get("correlation"))
        if lab is None: continue
        mode, rest = lab.split("::")
        j, r = (int(v) for v in rest.split(":"))
        name = k.get("name", "") if k.get("cat") == "kernel" else "Memset (Device)"
        out.setdefault((j, mode, r), []).append(dict(name=name[:160], grid=k.get("args", {}).get("grid", [1, 1, 1]), dur=k.get("dur", 0)))
    return out


def summary(got, j, mode, reps):
    """The most common kernel sequence of the repeats, the median duration per position."""
    runs = [got[(j, mode, r)] for r in range(reps) if (j, mode, r) in got]
    if not runs: return None
    sig = lambda run: tuple(k["name"] for k in run)
    best = max(set(map(sig, runs)), key=lambda s: sum(sig(run) == s for run in runs))
    same = [run for run in runs if sig(run) == best]
    return [dict(same[0][n], dur=statistics.median(run[n]["dur"] for run in same)) for n in range(len(best))]


def measure(todo, build, describe, out_path, reps, chunk_size, budget, t0):
    """Times every manifest entry of todo cold and warm, chunk by chunk, writing one JSON line per op: describe(entry)'s
    fields, warm_us and cold_us (the op's kernels summed) and the kernels of each (name, grid, duration). build(entry)
    gives (hot tensor, closure); an entry it cannot build (memory, a shape PyTorch refuses) is skipped and said so."""
    flush = flusher()
    with open(out_path, "w") as f:
        for c0 in range(0, len(todo), chunk_size):
            if time.time() - t0 > budget:
                print(f"stopped after {c0} of {len(todo)} ops: the {budget:.0f} s budget is spent", flush=True)
                break
            entries, chunk = [], []
            for e in todo[c0:c0 + chunk_size]:
                try:
                    hot, fn = build(e); fn(); fn()
                    entries.append(e); chunk.append((hot, fn))
                except Exception as ex:
                    print(f"error: {e['key']}: {type(ex).__name__}: {str(ex).splitlines()[0][:120]}", flush=True)
            torch.cuda.synchronize()
            got = profile(chunk, reps, flush)
            for j, e in enumerate(entries):
                cold, warm = summary(got, j, "cold", reps), summary(got, j, "warm", reps)
                if not cold or not warm: continue
                f.write(json.dumps(dict(describe(e), warm_us=round(sum(k["dur"] for k in warm), 3), cold_us=round(sum(k["dur"] for k in cold), 3),
                                        warm=[[k["name"][:90], k["grid"], k["dur"]] for k in warm],
                                        cold=[[k["name"][:90], k["grid"], k["dur"]] for k in cold])) + "\n")
            f.flush()
            del chunk
            torch.cuda.empty_cache()
            print(f"progress {min(c0 + chunk_size, len(todo))} {len(todo)}  {time.time() - t0:.0f} s", flush=True)
