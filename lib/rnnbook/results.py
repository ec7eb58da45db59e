"""The results files the book's scripts write (``data/*.json``), as the chapters read them.

In a checkout they are the files in ``data/``; an installed copy of the library (from the
book's archive or repository) carries the same files inside the package, so a chapter
downloaded alone finds them too.
"""

import json
from importlib import resources
from pathlib import Path

#: ``data/`` of the checkout this library sits in (absent in an installed copy).
CHECKOUT_DATA = Path(__file__).resolve().parents[2] / "data"


def path(name):
    """Where the results file ``name`` (``"adding_problem"``, ...) is read from."""
    here = CHECKOUT_DATA / f"{name}.json"
    if here.exists():
        return here
    packaged = resources.files("rnnbook") / "_data" / f"{name}.json"
    if packaged.is_file():
        return Path(str(packaged))
    raise FileNotFoundError(f"no results file {name!r}: expected {here} (a checkout) or "
                            f"rnnbook/_data/{name}.json (an installed copy)")


def load(name):
    """The results file ``name`` as a dict."""
    return json.loads(path(name).read_text())
