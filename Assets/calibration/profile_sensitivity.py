#!/usr/bin/env python3
"""How much the H200 profile's unmeasured modelling constants matter: each halved and doubled, everything else kept.

Usage (from the checkout, after `swift build -c release`):  python3 Assets/calibration/profile_sensitivity.py

For each variant, copies Assets/ to a temporary folder with one field of the H200 profile changed, runs
`convtop validate` there (CONVTOP_ASSETS) and prints its summaries: the fitted sets (speedup and serial error,
median/worst), the held-out ONNX corpus and round 7. The constants are those round 1 set without a recorded
measurement; the output is Assets/calibration/round10/profile_sensitivity.txt.
"""
import re

from profile_variants import copied_assets, shipped_value, validate_with

VARIANTS = [("sm_bandwidth_burst", [2, 4, 8]), ("saturation_warps", [8, 16, 32]), ("gemm_saturation_warps", [2, 4, 8]),
            ("layout_block_overhead_us", [0.5, 1.0, 2.0]), ("efficiency.layout", [0.6, 0.8, 1.0]),
            ("l2_bandwidth_boost", [1.0, 1.2, 2.0])]


def summaries(text):
    def pairs(prefix):
        line = next(l for l in text.splitlines() if l.startswith(prefix))
        return re.findall(r"median ([\d.]+%?), worst ([\d.]+%?)", line)
    s, h, r7 = pairs("Summary:"), pairs("Held-out summary"), pairs("New-shapes summary")
    return (f"fitted speedup {s[0][0]}/{s[0][1]} serial {s[1][0]}/{s[1][1]} | held-out serial {h[0][0]}/{h[0][1]} "
            f"speedup {h[1][0]}/{h[1][1]} | round 7 serial {r7[0][0]}/{r7[0][1]} speedup {r7[1][0]}/{r7[1][1]}")


def main():
    with copied_assets() as (assets, shipped):
        for field, values in VARIANTS:
            for v in values:
                out = validate_with(assets, shipped, field, v)
                mark = " (shipped)" if shipped_value(shipped, field) == v else ""
                print(f"{field} = {v}{mark}: {summaries(out)}", flush=True)


if __name__ == "__main__":
    main()
