"""What produced a results file: command line, commit, library versions, machine, start time.

The scripts in ``tools/`` that write ``data/*.json`` record this beside their results, so a
file says which code and which machine its numbers come from.
"""

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np


def git(root, *args):
    """The output of ``git args`` in ``root``, or None outside a git checkout."""
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def cpu_model():
    """The CPU's model name (``/proc/cpuinfo``), or what ``platform`` knows of it."""
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        return platform.processor()
    return next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                 if line.startswith("model name")), platform.processor())


def environment(root):
    """Command line, commit (of the checkout at ``root``), library versions and machine."""
    import keras
    import tensorflow as tf

    return {
        "command": " ".join(["python", *sys.argv]),
        "commit": git(root, "rev-parse", "HEAD"),
        "uncommitted_changes": bool(git(root, "status", "--porcelain", "--untracked-files=no")),
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "keras": keras.__version__, "tensorflow": tf.__version__,
                     "backend": keras.backend.backend()},
        "machine": {"cpu": cpu_model(), "cpus": os.cpu_count(), "system": platform.platform(),
                    "load_average_at_start": [round(x, 2) for x in os.getloadavg()]},
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
