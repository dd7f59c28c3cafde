#!/usr/bin/env python3
"""A manifest for measure_catalog.py that measures again, in one process and interleaved, convolutions the catalog
and the held-out sets already hold: do the stored times repeat on another lease, and do the held-out shapes stay
slower than the catalog's for their model time where they are large?

    python3 Assets/calibration/remeasure_manifest.py [SEED] > manifest.jsonl
    python3 Assets/catalog/measure_catalog.py manifest.jsonl OUTDIR --gpu-name h200

Draws, with SEED (default 23), dense convolutions (all three passes) measured at 30 µs or more: 150 from the H200
catalog (Assets/catalog/h200/catalog.tsv.gz), 150 from round 19's random shapes, 50 from round 7's network layers
and 50 from round 22's tile edges; each line names its source ("catalog", "round19", ...) and its stored time
(stored_us), and the lines are shuffled so that no set runs at one time. Round 23 (Assets/calibration/round23/)
is its run on the H200.
"""
import gzip, json, os, random, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SETS = [("catalog", os.path.join(HERE, "..", "catalog", "h200", "catalog.tsv.gz"), 150),
        ("round19", os.path.join(HERE, "round19", "random_convs.tsv.gz"), 150),
        ("round7", os.path.join(HERE, "round7", "conv_ops.tsv.gz"), 50),
        ("round22", os.path.join(HERE, "round22", "tile_edge_convs.tsv.gz"), 50)]


def entries(path):
    """(key, flops, bytes, total µs) of every entry of a catalog-format file."""
    with gzip.open(path, "rt") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if p[0] == "E":
                yield p[1], float(p[2]), float(p[3]), sum(float(k.split(",")[-1]) for k in p[4].split(";"))


def params(key):
    """A key's parameters as the manifest gives them: conv.forward|x=1,2,3,3|cout=4|... -> {"x": [1,2,3,3], ...}."""
    return {kv.split("=")[0]: [int(v) for v in kv.split("=")[1].split(",")] for kv in key.split("|")[1:]}


def main():
    rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 23)
    lines = []
    for source, path, count in SETS:
        pool = [e for e in entries(path) if e[0].startswith("conv.") and "|g=1|" in e[0] and e[3] >= 30]
        pool.sort()
        for key, flops, nbytes, us in rng.sample(pool, min(count, len(pool))):
            family, pas = key.split("|")[0].split(".")
            lines.append(dict(key=key, family=family, **{"pass": pas}, params=params(key), flops=flops, bytes=nbytes,
                              source=source, stored_us=round(us, 3)))
    rng.shuffle(lines)
    for l in lines: print(json.dumps(l, separators=(",", ":")))


if __name__ == "__main__":
    main()
