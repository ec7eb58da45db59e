"""The book to take away: its sources as one zip, and its library as a wheel.

Usage: python tools/book_archive.py OUTDIR

The website's build calls :func:`build` (tools/book_site.py), so the site offers both files
on "Run it yourself". The archive holds everything ``make book`` and ``make test`` need
(chapters, appendices, library, data, tests, tools, the Makefile, README and locks) under one
folder, plus the library's wheel in ``wheels/``: a chapter's setup cell (tools/setup_cell.py)
installs that wheel, whose package carries the results files (``data/*.json``) and the claims
ledger, so a chapter downloaded alone finds everything it reads.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The archive's file name (without .zip) and the folder it unpacks into.
ARCHIVE_NAME = "recurrent-networks-verified"
#: Where the library's wheel sits inside the archive.
WHEEL_FOLDER = "wheels"
# Used only where the tree is not a git checkout (an unpacked archive): what git would track.
TOP_FILES = ["Makefile", "README.md", "pyproject.toml", "requirements.txt", "_config.yml",
             "_toc.yml", "intro.md", "run.md", "bibliography.md", "references.bib", ".gitignore"]
TOP_FOLDERS = [".ci", "_static", "appendices", "chapters", "data", "lib", "locks", "tests",
               "tools"]
SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".ruff_cache", WHEEL_FOLDER}
# A fixed date for every entry, so that the same sources give the same archive.
ENTRY_DATE = (2026, 1, 1, 0, 0, 0)


def source_files(root=ROOT):
    """The book's files, relative to ``root``: git's tracked files, or the known folders."""
    try:
        listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], check=True,
                                capture_output=True).stdout.decode().split("\0")
        files = [Path(name) for name in listed if name and (root / name).is_file()]
    except (OSError, subprocess.CalledProcessError):
        files = [Path(name) for name in TOP_FILES if (root / name).is_file()]
        for folder in TOP_FOLDERS:
            files += [path.relative_to(root) for path in sorted((root / folder).rglob("*"))
                      if path.is_file()]
    return sorted(f for f in files if not SKIP_PARTS & set(f.parts)
                  and not any(part.endswith(".egg-info") for part in f.parts))


def build_wheel(outdir, root=ROOT):
    """Build the library's wheel (``rnnbook-<version>-py3-none-any.whl``) into ``outdir``.

    Built from a copy holding only what the wheel needs, with the setuptools of this
    environment (no download). Returns the wheel's path.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "src"
        copy.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(root / name, copy / name)
        ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
        for folder in ("lib", "data"):
            shutil.copytree(root / folder, copy / folder, ignore=ignore)
        script = ("import sys; from setuptools import build_meta; "
                  "print(build_meta.build_wheel(sys.argv[1]))")
        done = subprocess.run([sys.executable, "-c", script, str(outdir.resolve())], cwd=copy,
                              check=True, capture_output=True, text=True,
                              env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"})
        name = done.stdout.strip().splitlines()[-1]
    return outdir / name


def build_archive(outdir, wheel, root=ROOT):
    """Zip the book's sources, and ``wheel`` under ``wheels/``, into ``outdir``."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / f"{ARCHIVE_NAME}.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = [(root / name, f"{ARCHIVE_NAME}/{name.as_posix()}")
                   for name in source_files(root)]
        entries.append((Path(wheel), f"{ARCHIVE_NAME}/{WHEEL_FOLDER}/{Path(wheel).name}"))
        for source, name in entries:
            info = zipfile.ZipInfo(name, date_time=ENTRY_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o755 if os.access(source, os.X_OK) else 0o644) << 16
            archive.writestr(info, source.read_bytes())
    return path


def build(outdir, root=ROOT):
    """Both downloads into ``outdir``: returns ``(archive, wheel)`` paths."""
    wheel = build_wheel(outdir, root)
    return build_archive(outdir, wheel, root), wheel


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/book_archive.py OUTDIR")
    for built in build(sys.argv[1]):
        print(f"{built} ({built.stat().st_size / 1e6:.1f} MB)")
