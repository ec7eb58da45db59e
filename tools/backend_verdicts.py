"""Execute every notebook under other Keras backends and compare its verdicts with the stored ones.

Usage: python tools/backend_verdicts.py BACKEND [BACKEND ...] [--notebooks NB ...]
       (run by `make test-backends` with BACKEND = jax torch)

For each backend, each notebook of chapters/ and appendices/ runs top to bottom in a fresh
kernel with ``KERAS_BACKEND`` set, from its own folder; the run is kept in memory and written
to ``.cache/backends/<backend>/`` for inspection, never over the stored notebook. Then, cell
by cell, the *verdict lines* it printed are compared with the stored ones (written on
TensorFlow by `make notebooks`): a line holding a ``compare`` verdict (``... agree within
...``, ``... agree exactly``, ``... DIFFER by ...``), a ``claim <id>: <verdict>`` line, or a
line ending in ``True`` or ``False``. They must be equal, except where
``tools/backend_differences.toml`` says, with the reason, that a line may differ on that
backend (``differs``), that a cell is known to run on TensorFlow only (``tensorflow_only``:
it raises, or prints another verdict, on that backend; with the change that would make it
run everywhere), or that a cell is not run there (``skip``: too slow on that backend). Any
other difference, any other cell that raises, and any ``tensorflow_only`` or ``skip`` entry
that no longer matches a cell (or whose cell now runs and agrees) fails the run.

Exit status 1 on failure. Prints each notebook's time and, per backend, what was compared.
"""

import argparse
import fnmatch
import os
import re
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError

ROOT = Path(__file__).resolve().parent.parent
DIFFERENCES = ROOT / "tools" / "backend_differences.toml"
OUT = ROOT / ".cache" / "backends"
CELL_TIMEOUT = 600
VERDICT = re.compile(r"agree within |agree exactly|DIFFER by |^claim [\w.-]+: \w+$"
                     r"|\b(True|False)\s*$")


def verdict_lines(cell):
    """The verdict lines among a code cell's printed and displayed text, in order.

    Consecutive stdout chunks are read as one text, as `make notebooks` stores them: the
    kernel splits a printout at flush times that vary from run to run, even inside a line."""
    texts, streaming = [], False
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stdout":
            text = output.get("text", "")
        elif output.get("output_type") in ("execute_result", "display_data"):
            text = output.get("data", {}).get("text/plain", "")
        else:
            continue
        text = "".join(text) if isinstance(text, list) else text
        stream = output.get("output_type") == "stream"
        if stream and streaming:
            texts[-1] += text
        else:
            texts.append(text)
        streaming = stream
    return [line.rstrip() for text in texts for line in text.splitlines()
            if VERDICT.search(line)]


def error_of(cell):
    """``"Name: message"`` of the error a cell raised, or None."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            first = str(output.get("evalue", "")).strip().splitlines()
            return f"{output.get('ename')}: {first[0] if first else ''}"[:300]
    return None


def source(cell):
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


@dataclass
class Entry:
    """One entry of backend_differences.toml."""

    kind: str                  # "tensorflow_only", "skip" or "differs"
    notebook: str              # a path, or a pattern (fnmatch) for every notebook it fits
    backends: list
    reason: str
    cell: str = ""             # tensorflow_only, skip: a piece of the cell's source
    change: str = ""           # tensorflow_only, skip: the edit that makes it run everywhere
    stored: str = ""           # differs: regex a stored verdict line matches
    printed: str = ""          # differs: regex the line printed on the backend matches
    used: set = field(default_factory=set)

    def applies(self, notebook, backend):
        return fnmatch.fnmatch(notebook, self.notebook) and backend in self.backends


KINDS = ("tensorflow_only", "skip", "differs")


def load_differences(path=DIFFERENCES):
    data = tomllib.loads(path.read_text())
    unknown = set(data) - set(KINDS)
    if unknown:
        raise ValueError(f"{path.name}: unknown tables {sorted(unknown)}; expected {KINDS}")
    entries = []
    for kind in KINDS:
        for item in data.get(kind, []):
            entries.append(Entry(kind=kind, **item))
    return entries


SKIPPED = "# not run on this backend: tools/backend_differences.toml, [[skip]]"


def execute(path, backend, skips=()):
    """Run a copy of the notebook under ``backend``, the cells of ``skips`` (pieces of their
    source) left out; return it executed, the seconds, and the error that stopped the run
    (a cell past the timeout), or None."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and any(piece in source(cell) for piece in skips):
            cell.source = SKIPPED
    os.environ["KERAS_BACKEND"] = backend   # the kernel inherits this process's environment
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                            allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=False, record_timing=False,
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    start = time.perf_counter()
    stopped = None
    try:
        client.execute()
    except CellTimeoutError as error:
        stopped = f"a cell ran past {CELL_TIMEOUT} s: {str(error).splitlines()[0]}"
    seconds = time.perf_counter() - start
    copy = OUT / backend / path.relative_to(ROOT)
    copy.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, copy)
    return notebook, seconds, stopped


def compare_notebook(stored, ran, name, backend, entries, stopped=None):
    """Compare one notebook's run with its stored copy. Returns (report lines, failures,
    counts) where counts holds ``agreed``, ``differs`` (allowed), ``unchecked`` (lines of
    known TensorFlow-only cells)."""
    report, failures = [], []
    counts = {"agreed": 0, "differs": 0, "unchecked": 0}
    mine = [e for e in entries if e.applies(name, backend)]
    code = [(i, c, r) for i, (c, r) in enumerate(zip(stored.cells, ran.cells, strict=True))
            if c.cell_type == "code"]
    for e in mine:
        picked = [i for i, c, _ in code if e.kind != "differs" and e.cell in source(c)]
        if len(picked) > 1:
            failures.append(f"{e.kind} entry {e.cell!r} picks {len(picked)} cells ({picked}): "
                            "give a piece of source that only one cell holds")
    for index, old, new in code:
        skipped = [e for e in mine if e.kind == "skip" and e.cell in source(old)]
        if skipped:
            skipped[0].used.add(backend)
            report.append(f"  cell {index}: not run on {backend} - {skipped[0].reason}")
            counts["unchecked"] += len(verdict_lines(old))
            continue
        known = [e for e in mine if e.kind == "tensorflow_only" and e.cell in source(old)]
        error = error_of(new)
        if known:
            known[0].used.add(backend)
            if error is None and verdict_lines(new) == verdict_lines(old):
                failures.append(f"cell {index} runs and agrees on {backend} now: remove its "
                                f"tensorflow_only entry ({known[0].cell!r})")
            else:
                printed = [line for line in verdict_lines(new) if line not in verdict_lines(old)]
                what = error or "prints another verdict: " + "; ".join(printed)
                report.append(f"  cell {index}: known TensorFlow-only ({what}) - "
                              f"{known[0].reason}")
                counts["unchecked"] += len(verdict_lines(old))
            continue
        if error is not None:
            failures.append(f"cell {index} raised {error}")
            continue
        if not new.get("outputs") and old.get("outputs") and stopped:
            failures.append(f"cell {index} did not run: the run stopped ({stopped})")
            continue
        want, got = verdict_lines(old), verdict_lines(new)
        if len(want) != len(got):
            failures.append(f"cell {index}: {len(want)} verdict lines stored, {len(got)} "
                            f"printed on {backend}:\n      stored:  "
                            + "\n               ".join(want) + "\n      printed: "
                            + "\n               ".join(got))
            continue
        for a, b in zip(want, got, strict=True):
            if a == b:
                counts["agreed"] += 1
                continue
            allowed = [e for e in mine if e.kind == "differs"
                       and re.fullmatch(e.stored, a) and re.fullmatch(e.printed, b)]
            if allowed:
                allowed[0].used.add(backend)
                counts["differs"] += 1
                report.append(f"  cell {index}: differs as listed - {allowed[0].reason}\n"
                              f"      stored:  {a}\n      printed: {b}")
            else:
                failures.append(f"cell {index}: verdict differs\n      stored:  {a}\n"
                                f"      printed: {b}")
    return report, failures, counts


def table(entries=None):
    """The entries as the Markdown table the README shows."""
    entries = load_differences() if entries is None else entries
    what = {"differs": "may print another verdict line", "skip": "not run",
            "tensorflow_only": "runs on TensorFlow only, until changed"}
    rows = ["| notebook | backends | cell or line | what | why |",
            "| --- | --- | --- | --- | --- |"]
    for e in entries:
        piece = (e.cell or e.stored).replace("|", "\\|").replace("`", "'")
        rows.append(f"| {e.notebook} | {', '.join(e.backends)} | `{piece}` | {what[e.kind]} "
                    f"| {e.reason.replace('|', '/')} |")
    return "\n".join(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backends", nargs="*", help="tensorflow, jax or torch")
    parser.add_argument("--notebooks", nargs="*", type=Path)
    parser.add_argument("--table", action="store_true",
                        help="print backend_differences.toml as the README's table")
    args = parser.parse_args(argv)
    if args.table:
        print(table())
        return 0
    if not args.backends or set(args.backends) - {"tensorflow", "jax", "torch"}:
        parser.error(f"name one or more of tensorflow, jax, torch; got {args.backends}")
    paths = [p.resolve() for p in args.notebooks] if args.notebooks else sorted(
        (ROOT / "chapters").glob("*.ipynb")) + sorted((ROOT / "appendices").glob("*.ipynb"))
    entries = load_differences()
    all_failures, start = [], time.perf_counter()
    for backend in args.backends:
        totals = {"agreed": 0, "differs": 0, "unchecked": 0}
        backend_start = time.perf_counter()
        print(f"== notebooks, KERAS_BACKEND={backend}", flush=True)
        for path in paths:
            name = str(path.relative_to(ROOT))
            stored = nbformat.read(path, as_version=4)
            skips = [e.cell for e in entries if e.kind == "skip" and e.applies(name, backend)]
            ran, seconds, stopped = execute(path, backend, skips)
            report, failures, counts = compare_notebook(stored, ran, name, backend, entries,
                                                        stopped)
            if stopped:
                failures.append(f"the run stopped: {stopped}")
            for key in totals:
                totals[key] += counts[key]
            status = "ok" if not failures else f"{len(failures)} FAILURE(S)"
            print(f"{name}: {seconds:.1f} s, {counts['agreed']} verdict lines agree, "
                  f"{counts['differs']} differ as listed, {counts['unchecked']} not checked "
                  f"(listed cells): {status}", flush=True)
            for line in report:
                print(line)
            for failure in failures:
                print(f"  FAIL {failure}")
            all_failures += [f"{backend} {name}: {f}" for f in failures]
        print(f"KERAS_BACKEND={backend}: {totals['agreed']} verdict lines agree, "
              f"{totals['differs']} differ as listed, {totals['unchecked']} not checked "
              f"(cells listed as TensorFlow-only or not run); notebooks "
              f"{time.perf_counter() - backend_start:.0f} s", flush=True)
    for e in entries:
        missing = [b for b in e.backends if b in args.backends and b not in e.used]
        if e.kind != "differs" and missing and not args.notebooks:
            all_failures.append(f"stale entry in {DIFFERENCES.name}: {e.notebook} cell "
                                f"{e.cell!r} matched no failing cell on {', '.join(missing)}")
    print(f"\nnotebooks under {', '.join(args.backends)}: {time.perf_counter() - start:.0f} s, "
          f"{len(all_failures)} failure(s)")
    for failure in all_failures:
        print(f"FAIL {failure}")
    return 1 if all_failures else 0


if __name__ == "__main__":
    sys.exit(main())
