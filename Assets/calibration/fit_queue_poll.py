#!/usr/bin/env python3
"""Fits the GPU profile's queue_poll_us on round 10's chains beside spinning streams.

Usage (from the checkout, after `swift build -c release`):  python3 Assets/calibration/fit_queue_poll.py

For each window on a grid, copies Assets/ to a temporary folder with the H200 profile's queue_poll_us set to it,
runs `convtop validate` there (CONVTOP_ASSETS), and reads its "Beside spinning streams" table: the measured and
simulated slowdown of the add chain in the profiled process (the process the H200 profile models), in percent.
Prints the root-mean-square difference per window; the profile takes the smallest. It also prints the summary line
of the fitted sets, which the window was not chosen on.
"""
import math
import re

from profile_variants import copied_assets, validate_with

GRID = [1.2, 1.5, 1.6, 1.7, 1.8, 2.0, 2.5, 3.0]


def run(window, assets, shipped):
    out = validate_with(assets, shipped, "queue_poll_us", window)
    lines = out.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("Beside spinning streams"))
    diffs = []
    for line in lines[start + 3:]:
        if not line.strip(): break
        cols = line.split()
        if cols[0] != "profiled": continue
        measured, simulated = (float(re.sub("[%+]", "", c)) for c in (cols[6], cols[9]))
        diffs.append(measured - simulated)
    summary = next(l for l in lines if l.startswith("Summary:"))
    return math.sqrt(sum(d * d for d in diffs) / len(diffs)), len(diffs), summary


def main():
    with copied_assets() as (assets, shipped):
        best = None
        for w in GRID:
            rms, n, summary = run(w, assets, shipped)
            print(f"queue_poll_us {w:4.1f}: rms {rms:.2f} points over {n} profiled rows   {summary[:120]}")
            if best is None or rms < best[1]: best = (w, rms)
        print(f"best: queue_poll_us = {best[0]}")


if __name__ == "__main__":
    main()
