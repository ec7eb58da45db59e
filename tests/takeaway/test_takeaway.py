"""A chapter taken away: downloaded alone, run where only a hosted service's packages are.

The way a reader would: a fresh virtual environment holding what a hosted notebook service
has (TensorFlow, Keras, NumPy, matplotlib, ipywidgets, a Jupyter kernel; threadpoolctl, the
library's one other dependency), synced offline from uv's cache to exactly the lock's pins
of those packages and what they pull in (``tools/lock_subset.py``);
one chapter notebook copied alone into an empty folder; the book's archive, as the website
builds it, in another folder, named by ``RNNBOOK_SOURCE``; pip forbidden to reach an index.
The chapter runs top to bottom, its setup cell installing the library from the archive, and
prints what its stored outputs say. Then the installed library must find the results
files and the claims ledger inside itself.

``make takeaway`` runs it (part of ``make test``); ``TAKEAWAY_NB`` picks another notebook.
About two minutes here, most of it TensorFlow's import and the chapter itself.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import book_archive  # noqa: E402
import lock_subset  # noqa: E402
import setup_cell  # noqa: E402

NOTEBOOK = ROOT / os.environ.get("TAKEAWAY_NB", "chapters/00_how_this_book_checks_itself.ipynb")
HOSTED = lock_subset.HOSTED
LOCK = ROOT / "locks" / f"py{sys.version_info.major}{sys.version_info.minor}.txt"


def uv():
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if found is None:
        pytest.skip("uv not found (make .venv/.installed installs it)")
    return found


@pytest.fixture(scope="module")
def hosted_python(tmp_path_factory):
    """A fresh environment with a hosted service's packages and no rnnbook, offline."""
    venv = tmp_path_factory.mktemp("hosted") / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([uv(), "venv", "--quiet", "--python", base, str(venv)], check=True)
    python = venv / "bin" / "python"
    pinned = lock_subset.write(LOCK, HOSTED, venv.parent / "hosted.txt")
    subprocess.run([uv(), "pip", "sync", "--quiet", "--offline", "--python", str(python),
                    str(pinned)], check=True)
    missing = subprocess.run([str(python), "-c", "import rnnbook"], capture_output=True,
                             env=clean_env())
    assert missing.returncode != 0, "the fresh environment must not have rnnbook"
    return python


def clean_env(**extra):
    """This process's environment without what points at the book's checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "RNNBOOK_SOURCE")}
    return {**env, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", **extra}


def text_outputs(cell):
    """A cell's text outputs; consecutive stream outputs joined into one, as the kernel may
    split one printout into several messages depending on timing (nbval joins them too)."""
    out = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            text = "".join(output["text"])
            if out and out[-1][0] == "stream":
                out[-1] = ("stream", out[-1][1] + text)
            else:
                out.append(("stream", text))
        elif output["output_type"] in ("execute_result", "display_data"):
            out.append(("text/plain", "".join(output["data"].get("text/plain", ""))))
        elif output["output_type"] == "error":
            out.append(("error", f"{output['ename']}: {output['evalue']}"))
    return out


def test_a_chapter_downloaded_alone_runs_with_the_archive(hosted_python, tmp_path,
                                                          monkeypatch):
    archive, _ = book_archive.build(tmp_path / "site" / "downloads")
    shelf = tmp_path / "downloads"
    shelf.mkdir()
    local_archive = Path(shutil.copy2(archive, shelf))

    reader = tmp_path / "reader"
    reader.mkdir()
    stored = json.loads(NOTEBOOK.read_text())
    notebook = json.loads(NOTEBOOK.read_text())
    setup_cell.apply(notebook, setup_cell.cell_source())  # no change once the cell is there
    (reader / NOTEBOOK.name).write_text(json.dumps(notebook))

    kernels = tmp_path / "jupyter" / "kernels" / "hosted"
    kernels.mkdir(parents=True)
    env = clean_env(RNNBOOK_SOURCE=str(local_archive))
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(hosted_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "hosted", "language": "python", "env": env}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.delenv("PYTHONPATH", raising=False)

    run = nbformat.reads(json.dumps(notebook), as_version=4)
    NotebookClient(run, kernel_name="hosted", timeout=600, allow_errors=True,
                   resources={"metadata": {"path": str(reader)}}).execute()

    cells = [c for c in run.cells if c.cell_type == "code"]
    setup, rest = cells[0], cells[1:]
    assert setup_cell.is_setup_cell(setup)
    printed = text_outputs(setup)
    assert printed and printed[-1][1].startswith("installed rnnbook from "), printed
    errors = [(c.source[:60], o) for c in cells for o in text_outputs(c) if o[0] == "error"]
    assert not errors
    expected = [c for c in stored["cells"] if c["cell_type"] == "code"
                and not setup_cell.is_setup_cell(c)]
    assert len(expected) == len(rest)
    for mine, theirs in zip(rest, expected, strict=True):
        if "NBVAL_IGNORE_OUTPUT" in "".join(theirs["source"]):
            continue  # an explorer: its widget ids change on every run
        assert text_outputs(mine) == text_outputs(theirs), mine.source[:80]
    assert sorted(p.name for p in reader.iterdir()) == [NOTEBOOK.name]  # nothing else needed

    check = ("import json, rnnbook, rnnbook.results as r, rnnbook.claims as c; "
             "print(json.dumps([rnnbook.__file__, [sorted(r.load(n)) and n for n in "
             f"{sorted(p.stem for p in (ROOT / 'data').glob('*.json'))!r}], len(c.ledger())]))")
    found = json.loads(subprocess.run([str(hosted_python), "-c", check], check=True,
                                      capture_output=True, text=True, cwd=reader,
                                      env=clean_env()).stdout)
    assert Path(found[0]).is_relative_to(hosted_python.parent.parent)  # installed, not lib/
    assert found[1] == sorted(p.stem for p in (ROOT / "data").glob("*.json"))
