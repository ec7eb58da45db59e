"""The part of a lock that some packages need: them and everything they pull in, pinned.

uv's lock files say, under each pin, which packages require it (``# via``). Following those
lines back from a set of packages gives the exact pins a smaller environment needs, so it
can be installed with ``uv pip sync`` (no resolution, hence offline from the cache: an
offline ``uv pip install --constraint`` has to resolve, and needs metadata that a sync never
stored for the running Python's wheels).
"""

import re
from pathlib import Path

#: What a hosted notebook service has (the take-away test's environment): TensorFlow, Keras,
#: NumPy, matplotlib, ipywidgets, a Jupyter kernel, pip; threadpoolctl, the library's one
#: other dependency.
HOSTED = ["tensorflow-cpu", "keras", "numpy", "matplotlib", "ipywidgets", "ipykernel",
          "threadpoolctl", "pip"]

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==\S+")


def normal(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(lock_text):
    """``{package: (pin line, {packages that require it})}`` of a uv lock's text."""
    found, current = {}, None
    for line in lock_text.splitlines():
        pin = PIN.match(line)
        if pin:
            current = normal(pin.group(1))
            found[current] = (line.strip(), set())
        elif current and line.lstrip().startswith("#"):
            name = line.strip().lstrip("#").strip().removeprefix("via").strip()
            if name and not name.startswith("-r"):
                found[current][1].add(normal(name))
    return found


def closure(lock_text, names):
    """The pin lines of ``names`` and of everything they require, sorted by package.

    Raises ``KeyError`` naming any of ``names`` the lock does not pin."""
    locked = requirements(lock_text)
    wanted = {normal(n) for n in names}
    missing = sorted(wanted - set(locked))
    if missing:
        raise KeyError(f"the lock does not pin {', '.join(missing)}")
    grew = True
    while grew:
        grew = False
        for name, (_, parents) in locked.items():
            if name not in wanted and parents & wanted:
                wanted.add(name)
                grew = True
    return [locked[name][0] for name in sorted(wanted)]


def write(lock, names, out):
    """Write the closure of ``names`` in ``lock`` (a path) to ``out``; return ``out``."""
    Path(out).write_text("\n".join(closure(Path(lock).read_text(), names)) + "\n")
    return Path(out)
