"""The lock: every installed package pinned, the environment equal to it, the README honest."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCKS = sorted((ROOT / "locks").glob("py3*.txt"))
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", re.MULTILINE)


def normal(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text):
    return {normal(name): version for name, version in PIN.findall(text)}


def lock_for(version_info):
    return ROOT / "locks" / f"py{version_info[0]}{version_info[1]}.txt"


def test_there_is_a_lock_per_promised_python_version():
    readme = (ROOT / "README.md").read_text()
    promised = re.search(r"Python (3\.\d+)–(3\.\d+)", readme)
    assert promised, "the README names the Python versions it supports"
    low, high = (int(v.split(".")[1]) for v in promised.groups())
    assert [p.stem for p in LOCKS] == [f"py3{minor}" for minor in range(low, high + 1)]


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.stem)
def test_each_lock_pins_the_direct_requirements_as_written(lock):
    wanted, locked = pins((ROOT / "requirements.txt").read_text()), pins(lock.read_text())
    assert {name: locked.get(name) for name in wanted} == wanted, "run `make lock`"


@pytest.mark.skipif(os.environ.get("RNNBOOK_UNLOCKED") == "1",
                    reason="make test-latest runs the tests in an environment of newest releases")
def test_this_environment_is_exactly_the_lock():
    # make test-backends names its own lock (the main one plus torch and jax)
    lock = ROOT / os.environ["RNNBOOK_LOCK"] if os.environ.get("RNNBOOK_LOCK") else \
        lock_for(sys.version_info)
    assert lock.exists(), f"no lock for Python {sys.version_info[0]}.{sys.version_info[1]}"
    # Without PYTHONPATH: the Makefile puts lib/ on it, where pip would find the editable
    # library's metadata a second time.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--all", "--exclude-editable"],
                            capture_output=True, text=True, check=True, env=env).stdout
    assert pins(frozen) == pins(lock.read_text())


BACKENDS_LOCK = ROOT / "locks" / "backends-py311.txt"
BACKENDS_REQUIREMENTS = ROOT / "requirements-backends.txt"


def test_the_backends_lock_pins_its_requirements_as_written():
    wanted = pins(BACKENDS_REQUIREMENTS.read_text()) | pins(
        (ROOT / "requirements.txt").read_text())
    locked = pins(BACKENDS_LOCK.read_text())
    assert {name: locked.get(name) for name in wanted} == wanted, "run `make lock`"
    assert locked["torch"].endswith("+cpu"), "the CPU build of torch, not PyPI's CUDA one"


def test_the_backends_lock_is_the_main_lock_plus_the_backends():
    """The backends run tests the same TensorFlow, Keras and NumPy as make test."""
    main, backends = pins((ROOT / "locks" / "py311.txt").read_text()), pins(
        BACKENDS_LOCK.read_text())
    assert {name: backends.get(name) for name in main} == main
    added = set(backends) - set(main)
    assert {"torch", "jax", "jaxlib"} <= added
    assert not any(name.startswith("nvidia") for name in added)
