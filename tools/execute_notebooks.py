"""Re-execute chapter notebooks in place, each in a fresh kernel, top to bottom.

Usage: python tools/execute_notebooks.py [NOTEBOOK ...]   (default: chapters/*.ipynb)

The kernel inherits this process's environment, which the Makefile sets so TensorFlow
stays quiet and the run is deterministic (PYTHONHASHSEED, KERAS_HOME). Widget state is
not stored: the book's explorers carry their own static view (see rnnbook.explorer).
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def merge_streams(notebook):
    """Join each cell's consecutive stdout (or stderr) chunks into one output.

    ipykernel splits a printout into chunks at flush times that vary from run to run; joined,
    the stored notebook is the same on every run (nbval and the website join them too).
    """
    for cell in notebook.cells:
        merged = []
        for output in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (output.output_type == "stream" and previous is not None
                    and previous.output_type == "stream" and previous.name == output.name):
                previous.text += output.text
            else:
                merged.append(output)
        if "outputs" in cell:
            cell.outputs = merged


def execute(path):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=False, record_timing=False)
    start = time.perf_counter()
    client.execute()
    notebook.metadata.pop("widgets", None)
    merge_streams(notebook)
    nbformat.write(notebook, path)
    return time.perf_counter() - start


def main(paths):
    paths = [Path(p) for p in paths] or sorted((ROOT / "chapters").glob("*.ipynb"))
    for path in paths:
        seconds = execute(path)
        name = path.relative_to(ROOT) if path.is_absolute() else path
        print(f"{name}: executed in {seconds:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
