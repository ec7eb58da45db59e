"""Give every chapter a first cell that installs the book's library where it is missing.

Usage: python tools/setup_cell.py [--check] [NOTEBOOK ...]   (default: chapters/, appendices/)

A chapter downloaded alone, or opened in a hosted notebook service, has no ``rnnbook``. The
setup cell (tagged ``remove-cell``, so the website does not show it) installs it when
``import rnnbook`` would fail, from, in order: ``$RNNBOOK_SOURCE`` (a path or pip
requirement); the book's archive or the library's wheel in the notebook's folder or the one
above it (the website's "Run it yourself" page offers both); the repository address when
``repository.url`` is set in ``_config.yml``. In the book's own environment it does nothing.

The tool inserts the cell before the first code cell, or rewrites it where it differs; run
again, it changes nothing. ``--check`` changes nothing and exits 1 if a notebook would
change. Re-execute the notebooks afterwards (``make notebooks``).
"""

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TAG = "rnnbook-setup"
CELL_ID = "rnnbook-setup"

TEMPLATE = '''\
# Installs the book's library, rnnbook, where it is missing: a chapter downloaded alone or
# opened in a hosted notebook service. In the book's own environment it does nothing. The
# website hides this cell; tools/setup_cell.py writes it.
import importlib.util

if importlib.util.find_spec("rnnbook") is None:
    import os
    import pathlib
    import subprocess
    import sys
    import tempfile
    import zipfile

    REPOSITORY = {repository!r}  # repository.url in the book's _config.yml
    folders = [pathlib.Path.cwd(), pathlib.Path.cwd().parent]
    found = [path for folder in folders for pattern in (
        "rnnbook-*.whl", "wheels/rnnbook-*.whl", "{archive}*.zip")
        for path in sorted(folder.glob(pattern))]
    source = (os.environ.get("RNNBOOK_SOURCE") or (str(found[0]) if found else "")
              or (f"rnnbook @ git+{{REPOSITORY}}" if REPOSITORY else ""))
    if not source:
        raise ModuleNotFoundError(
            "This chapter needs rnnbook, the book's library. Download the book's archive "
            "({archive}.zip) or the library's wheel from the website's 'Run it yourself' "
            "page, put it next to this notebook, and run this cell again.")
    if source.endswith(".zip"):  # the book's archive: install the wheel it carries
        with zipfile.ZipFile(source) as archive:
            wheel = next(name for name in archive.namelist()
                         if name.endswith(".whl") and "/{wheels}/" in f"/{{name}}")
            source = archive.extract(wheel, tempfile.mkdtemp())
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", source], check=True)
    importlib.invalidate_caches()
    print(f"installed rnnbook from {{source}}")
'''


def repository_url(root=ROOT):
    config = yaml.safe_load((root / "_config.yml").read_text())
    return ((config.get("repository") or {}).get("url") or "").strip().rstrip("/")


def cell_source(repository=None, root=ROOT):
    """The setup cell's code, for the repository address set in ``_config.yml``."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import book_archive

    repository = repository_url(root) if repository is None else repository
    return TEMPLATE.format(repository=repository, archive=book_archive.ARCHIVE_NAME,
                           wheels=book_archive.WHEEL_FOLDER)


def is_setup_cell(cell):
    return TAG in cell.get("metadata", {}).get("tags", [])


def new_cell(source):
    return {"cell_type": "code", "execution_count": None, "id": CELL_ID,
            "metadata": {"tags": ["remove-cell", TAG]}, "outputs": [],
            "source": source.splitlines(keepends=True)}


def apply(notebook, source):
    """Put the setup cell, with ``source``, right before the first other code cell.
    Returns True when the notebook changed."""
    cells = notebook["cells"]
    existing = [c for c in cells if is_setup_cell(c)]
    others = [c for c in cells if not is_setup_cell(c)]
    first_code = next((i for i, c in enumerate(others) if c["cell_type"] == "code"), len(others))
    cell = existing[0] if existing else new_cell(source)
    if "".join(cell["source"]) != source:
        cell["source"] = source.splitlines(keepends=True)
        cell["outputs"], cell["execution_count"] = [], None
    if notebook.get("nbformat", 4) == 4 and notebook.get("nbformat_minor", 0) < 5:
        cell.pop("id", None)
    wanted = others[:first_code] + [cell] + others[first_code:]
    changed = [json.dumps(c, sort_keys=True) for c in cells] != \
        [json.dumps(c, sort_keys=True) for c in wanted]
    notebook["cells"] = wanted
    return changed


def write(path, notebook):
    """Write as nbformat does (one-space indent, no ASCII escapes, final newline)."""
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report, change nothing")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted([*ROOT.glob("chapters/*.ipynb"),
                                      *ROOT.glob("appendices/*.ipynb")])
    source, stale = cell_source(), []
    for path in paths:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        if apply(notebook, source):
            stale.append(path)
            if not args.check:
                write(path, notebook)
    for path in stale:
        print(f"{path}: {'needs' if args.check else 'written:'} the setup cell"
              + (" (python tools/setup_cell.py)" if args.check else ""))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
