"""The drift check: the book's checks against the newest releases of its direct dependencies.

Usage: python tools/test_latest.py [VENV]     (run by `make test-latest`; VENV: .venv-latest)

Builds VENV afresh with the newest release of every package requirements.txt names (the
resolver picks the transitive ones), prints which versions differ from the lock, then runs
the unit tests and nbval over every notebook there, and prints what failed. Exits 1 if
anything failed: that is the list of what the next `make lock` has to mend.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from test_lock import lock_for, pins  # noqa: E402


def run(command, **kwargs):
    print("$", " ".join(map(str, command)), flush=True)
    return subprocess.run(command, cwd=ROOT, **kwargs)


def build(venv):
    """A fresh environment with the newest release of each direct requirement."""
    shutil.rmtree(venv, ignore_errors=True)
    run([sys.executable, "-m", "venv", venv], check=True)
    python, uv = venv / "bin" / "python", venv / "bin" / "uv"
    run([python, "-m", "pip", "install", "--quiet", "uv"], check=True)
    names = sorted(pins((ROOT / "requirements.txt").read_text()))
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as newest:
        newest.write("\n".join(names) + "\n")
    run([uv, "pip", "install", "--quiet", "--upgrade", "--python", python, "-r", newest.name],
        check=True)
    run([uv, "pip", "install", "--quiet", "--python", python, "--no-deps",
         "--no-build-isolation", "-e", "."], check=True)
    return python


def versions(python):
    # not with lib/ on PYTHONPATH, where pip would see the editable library once more
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    frozen = subprocess.run([python, "-m", "pip", "freeze", "--all", "--exclude-editable"],
                            capture_output=True, text=True, check=True, env=env).stdout
    return pins(frozen)


def report_versions(python):
    version = subprocess.run([python, "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout
    minor = tuple(int(v) for v in re.findall(r"\d+", version))
    locked = pins(lock_for(minor).read_text())
    now = versions(python)
    direct = sorted(pins((ROOT / "requirements.txt").read_text()))
    print("\nDirect dependencies, locked -> newest:")
    for name in direct:
        mark = "" if locked.get(name) == now.get(name) else "   (changed)"
        print(f"  {name:28s} {locked.get(name, '-'):>14s} -> {now.get(name, '-'):14s}{mark}")
    moved = sorted(n for n in set(now) | set(locked)
                   if n not in direct and now.get(n) != locked.get(n))
    print(f"Transitive packages that differ from the lock: {len(moved)}")
    for name in moved:
        print(f"  {name:28s} {locked.get(name, '-'):>14s} -> {now.get(name, '-')}")


def check(python, label, arguments):
    """Run pytest; return the ids of what failed (or the whole step if pytest itself failed)."""
    result = run([python, "-m", "pytest", *arguments, "-q", "-rf", "-p", "no:cacheprovider"],
                 capture_output=True, text=True,
                 env={**os.environ, "RNNBOOK_UNLOCKED": "1",
                      "PYTHONPATH": f"{ROOT / 'tools'}:{ROOT / 'lib'}"})
    print(result.stdout.splitlines()[-1] if result.stdout else result.stderr[-2000:])
    failed = re.findall(r"^FAILED (\S+)", result.stdout, re.MULTILINE)
    if result.returncode and not failed:
        failed = [f"{label}: pytest exited with {result.returncode}"]
    return failed


def main(argv):
    venv = ROOT / (argv[0] if argv else ".venv-latest")
    python = build(venv)
    report_versions(python)
    failed = check(python, "unit tests", ["tests", "--ignore=tests/site"])
    failed += check(python, "nbval", ["--nbval", "--nbval-current-env", "-p", "nbval_timing",
                                      "chapters", "appendices"])
    print("\nFailed with the newest releases:" if failed else "\nAll checks pass with the "
          "newest releases.")
    for item in failed:
        print("  " + item)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
