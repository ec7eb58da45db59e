"""The chapters' stored outputs: what nbval compares must come from one clean run."""

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
# Appendix notebooks are held to the same rules, but they show no explorer.
NOTEBOOKS = CHAPTERS + sorted((ROOT / "appendices").glob("*.ipynb"))
TF_NOISE = re.compile(r"oneDNN|cuda|cuInit|absl::|TF_ENABLE_ONEDNN_OPTS|tensorflow/core|"
                      r"WARNING: All log messages|I0000|W0000|E0000")
EXPLORER_MARK = "data-rnnbook-explorer"
SETUP_TAG = "rnnbook-setup"  # the cell tools/setup_cell.py writes


def load_tool(name):
    """A script of tools/ as a module (tools/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def is_setup_cell(cell):
    return SETUP_TAG in cell["metadata"].get("tags", [])


def code_cells(path):
    notebook = json.loads(path.read_text())
    return [c for c in notebook["cells"] if c["cell_type"] == "code"], notebook


def source(cell):
    return "".join(cell["source"])


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part["chapters"]]
    return files


def test_there_are_chapters():
    assert CHAPTERS, "chapters/ holds no notebook"


def test_every_chapter_is_in_the_toc():
    listed = {f for f in toc_files() if f.startswith("chapters/")}
    on_disk = {f"chapters/{p.stem}" for p in CHAPTERS}
    assert listed == on_disk


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_top_to_bottom_in_one_fresh_kernel(path):
    cells, _ = code_cells(path)
    counts = [c["execution_count"] for c in cells if source(c).strip()]
    assert counts == list(range(1, len(counts) + 1)), "run `make notebooks` before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_printout_is_stored_as_one_output(path):
    """`make notebooks` joins a cell's stream chunks, so stored files do not churn."""
    cells, _ = code_cells(path)
    for cell in cells:
        kinds = [o.get("name") if o["output_type"] == "stream" else None for o in cell["outputs"]]
        repeated = [a for a, b in zip(kinds, kinds[1:], strict=False) if a and a == b]
        assert not repeated, source(cell)[:80]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_errors_stderr_or_tensorflow_noise(path):
    cells, _ = code_cells(path)
    for cell in cells:
        for output in cell["outputs"]:
            assert output["output_type"] != "error", source(cell)
            if output["output_type"] == "stream":
                assert output["name"] == "stdout", f"stderr stored: {''.join(output['text'])}"
                assert not TF_NOISE.search("".join(output["text"]))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_rnnbook_is_imported_before_keras_and_no_path_hacks(path):
    """The first code cell (after the setup cell) imports rnnbook before keras."""
    cells, _ = code_cells(path)
    first = source([c for c in cells if not is_setup_cell(c)][0])
    assert "import rnnbook" in first and first.index("import rnnbook") < first.index("import keras")
    for cell in cells:
        assert "sys.path" not in source(cell)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cell_installs_the_library_where_it_is_missing(path):
    """Each notebook starts with the current setup cell (hidden on the website), so that
    downloaded alone or opened in a hosted service it runs. `python tools/setup_cell.py`
    writes it; tests/takeaway runs a chapter that way."""
    setup_cell = load_tool("setup_cell")
    notebook = json.loads(path.read_text())
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert cells and is_setup_cell(cells[0]), "run `python tools/setup_cell.py`"
    assert "remove-cell" in cells[0]["metadata"]["tags"]
    assert not setup_cell.apply(notebook, setup_cell.cell_source()), \
        "the setup cell is out of date: run `python tools/setup_cell.py`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_output_checks_are_skipped_only_for_explorers(path):
    """nbval ignores a cell's output only where it shows an explorer (volatile widget ids),
    and the next code cell checks the same computation for one fixed setting."""
    cells, notebook = code_cells(path)
    assert "widgets" not in notebook["metadata"]
    for index, cell in enumerate(cells):
        text = source(cell)
        tags = cell["metadata"].get("tags", [])
        assert "NBVAL_SKIP" not in text and "nbval-skip" not in tags
        if "NBVAL_IGNORE_OUTPUT" in text or "nbval-ignore-output" in tags:
            shows_explorer = any(EXPLORER_MARK in "".join(o.get("data", {}).get("text/html", ""))
                                 for o in cell["outputs"])
            assert shows_explorer, f"output ignored without an explorer: {text[:80]}"
            following = cells[index + 1]
            assert "NBVAL_IGNORE_OUTPUT" not in source(following) and following["outputs"]


FLOAT = re.compile(r"(?<![\w.])[-+]?(\d+)\.(\d+)(?:e[-+]?\d+)?(?![\w.])", re.I)
#: A printed float carries at most this many significant digits: beyond that the digits are
#: rounding noise on another CPU, BLAS kernel or thread count (the portability run checks it).
MAX_SIGNIFICANT = 4
OLD_VERDICT = re.compile(r"max \|[^|]+\| (?:< 1e[-+]\d\d|= 0), tolerance")


def significant_digits(whole, fraction):
    digits = (whole + fraction).lstrip("0")
    return len(digits) if whole.strip("0") else len(fraction.lstrip("0"))


def checked_texts(cell):
    """The text of a cell's outputs that nbval compares (widget views, images excluded)."""
    for output in cell["outputs"]:
        if output["output_type"] == "stream":
            yield "".join(output["text"])
        for mime, data in output.get("data", {}).items():
            if mime.startswith(("text/plain", "text/markdown", "application/papermill.record/")):
                yield "".join(data) if isinstance(data, list) else str(data)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_printed_float_carries_rounding_noise(path):
    cells, _ = code_cells(path)
    noisy = []
    for cell in cells:
        if "NBVAL_IGNORE_OUTPUT" in source(cell):
            continue
        for text in checked_texts(cell):
            assert not OLD_VERDICT.search(text), f"prints the size of noise: {text[:120]}"
            noisy += [m.group(0) for m in FLOAT.finditer(text)
                      if significant_digits(m.group(1), m.group(2)) > MAX_SIGNIFICANT]
    assert not noisy, (f"floats printed with more than {MAX_SIGNIFICANT} significant digits: "
                       f"{noisy[:12]}; print a verdict, or round to what survives")
