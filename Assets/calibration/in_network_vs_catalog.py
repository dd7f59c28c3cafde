#!/usr/bin/env python3
"""Kernels inside a network against the same kernels measured alone: the profiled training steps of
round2/kernels.jsonl.gz (seven networks, serial, batch 1/8/32/64) matched kernel by kernel (name, grid and block) to
the H200 kernel catalog (../catalog/h200/catalog.tsv.gz, each op measured alone, median of five). Launch
configurations the catalog times more than 1.5x apart are left out as ambiguous. Prints, per batch size and phase,
the summed in-network and catalog times and their ratio.

Usage: python3 in_network_vs_catalog.py   (no GPU needed; reads the shipped files)
"""
import collections, gzip, json, os, statistics

HERE = os.path.dirname(os.path.abspath(__file__))
names, catalog = {}, collections.defaultdict(list)
with gzip.open(os.path.join(HERE, "..", "catalog", "h200", "catalog.tsv.gz"), "rt") as f:
    for line in f:
        p = line.rstrip("\n").split("\t")
        if p[0] == "N":
            names[int(p[1])] = p[2]
        elif p[0] == "E":
            for k in p[4].split(";"):
                v = k.split(",")
                catalog[(names[int(v[0])], tuple(map(int, v[1:4])), tuple(map(int, v[4:7])))].append(float(v[-1]))

sums = collections.defaultdict(lambda: [0.0, 0.0, 0])
with gzip.open(os.path.join(HERE, "round2", "kernels.jsonl.gz"), "rt") as f:
    for line in f:
        d = json.loads(line)
        case = d["case"]
        if not (case.startswith("train_") and case.endswith("_serial")) or d["cat"] != "kernel":
            continue
        times = catalog.get((d["name"], tuple(d["grid"]), tuple(d["block"])))
        if not times or max(times) / min(times) > 1.5:
            continue
        batch = int(case.split("_b")[-1].split("_")[0])
        s = sums[(batch, d["phase"])]
        s[0] += d["dur"]; s[1] += statistics.median(times); s[2] += 1

for (batch, phase), (net, alone, n) in sorted(sums.items()):
    print(f"batch {batch:<3} {phase:<9} {n:5d} kernels  in the network {net:8.0f} us  alone {alone:8.0f} us  ratio {net / alone:.3f}")
