"""Runs `convtop validate` on variants of the H200 profile (shared by fit_queue_poll.py and profile_sensitivity.py).

A variant is the shipped Assets/ copied to a temporary folder with some fields of gpus/h200.json changed; convtop
reads it through CONVTOP_ASSETS. Needs `swift build -c release` in the checkout first.
"""
import contextlib
import json
import os
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@contextlib.contextmanager
def copied_assets():
    """A temporary copy of Assets/ and the shipped H200 profile (as a dict)."""
    with tempfile.TemporaryDirectory() as tmp:
        assets = os.path.join(tmp, "Assets")
        shutil.copytree(os.path.join(ROOT, "Assets"), assets)
        yield assets, json.load(open(os.path.join(assets, "gpus", "h200.json")))


def validate_with(assets, shipped, field, value):
    """`convtop validate`'s output with the H200 profile's `field` (`a.b` for a nested one) set to `value`."""
    profile = json.loads(json.dumps(shipped))
    if "." in field:
        a, b = field.split(".")
        profile[a][b] = value
    else:
        profile[field] = value
    json.dump(profile, open(os.path.join(assets, "gpus", "h200.json"), "w"), indent=2)
    return subprocess.run([os.path.join(ROOT, ".build/release/convtop"), "validate"], capture_output=True, text=True,
                          env=dict(os.environ, CONVTOP_ASSETS=assets), check=True).stdout


def shipped_value(shipped, field):
    if "." in field:
        a, b = field.split(".")
        return shipped[a][b]
    return shipped[field]
