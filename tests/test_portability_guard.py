"""The portability run catches a stored output that depends on the machine.

A scratch notebook prints, in one cell, the raw largest difference between the reference
engine and Keras (rounding noise), and in the next the book's verdict on the same numbers.
It is executed and stored here, then checked by nbval under the portability run's
environment (tools/portable_env.py): the raw number must fail there, the verdict must pass.
"""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent

SETUP = """\
import rnnbook
import keras
import numpy as np
from rnnbook import reference
from rnnbook.verify import compare
keras.utils.set_random_seed(0)
layer = keras.layers.SimpleRNN(48, return_sequences=True)
layer.build((None, 40, 24))
x = np.random.default_rng(0).normal(size=(32, 40, 24)).astype("float32")
ours, theirs = reference.forward(layer, x), np.asarray(layer(x))"""
RAW = "print(float(np.abs(ours - theirs).max()))"
VERDICT = "print(compare(ours, theirs))"


def nbval(path, *wrapper):
    """Run nbval on ``path`` (optionally under a wrapper command); return its report."""
    command = [*wrapper, sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env",
               "-p", "no:cacheprovider", "-q", "-rA", str(path)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "lib"), str(ROOT / "tools")])}
    result = subprocess.run(command, capture_output=True, text=True, cwd=path.parent, env=env,
                            timeout=300)
    return result.stdout


@pytest.mark.timeout(600)
def test_a_machine_dependent_output_fails_the_portability_run(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s)
                                               for s in (SETUP, RAW, VERDICT)])
    NotebookClient(notebook, kernel_name="python3", timeout=300).execute()
    path = tmp_path / "scratch.ipynb"
    nbformat.write(notebook, path)

    here = nbval(path)
    assert "3 passed" in here, here       # stored on this machine, checked on this machine

    portable = nbval(path, sys.executable, str(ROOT / "tools" / "portable_env.py"), "--")
    assert "FAILED scratch.ipynb::Cell 1" in portable, portable   # the raw noise moved
    assert "PASSED scratch.ipynb::Cell 2" in portable, portable   # the verdict did not
