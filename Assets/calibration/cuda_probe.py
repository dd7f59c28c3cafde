"""Builds and runs a CUDA C++ probe for the measuring scripts here (measure_sm_sharing.py, measure_dispatch_order.py):
the source goes to a temporary folder, nvcc builds it for the H100/H200 (sm_90), and every line it prints is one
JSON object: first the device, then the measurements."""
import json
import os
import subprocess
import tempfile


def run_probe(source, name):
    """The JSON objects the probe printed, one a line, in order."""
    d = tempfile.mkdtemp()
    src, exe = os.path.join(d, name + ".cu"), os.path.join(d, name)
    with open(src, "w") as f:
        f.write(source)
    subprocess.run(["nvcc", "-O3", "-arch=sm_90", "-o", exe, src], check=True)
    lines = subprocess.run([exe], check=True, capture_output=True, text=True).stdout.splitlines()
    return [json.loads(line) for line in lines]


def save(out, rows):
    """Writes the measurements (every row after the device's) to `out`, one a line, and the device's row beside it as
    OUT.env.json (for sm_sharing.jsonl: sm_sharing.env.json)."""
    with open(out, "w") as f:
        for r in rows[1:]:
            f.write(json.dumps(r) + "\n")
    with open(os.path.splitext(out)[0] + ".env.json", "w") as f:
        f.write(json.dumps(rows[0]) + "\n")
    return rows[1:]
