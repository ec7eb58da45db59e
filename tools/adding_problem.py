"""Train SimpleRNN, LSTM and GRU on the adding problem; write data/adding_problem.json.

Usage: .venv/bin/python tools/adding_problem.py  (or `make adding-problem`)

Every setting, seed, budget and result goes into the JSON file, with each run's learning
curve (test MSE every EVAL_EVERY steps). The budget is small on purpose: the whole grid
must finish in about a quarter of an hour on two shared CPU cores. The chapter
"Why vanilla RNNs forget" loads the file and says what this budget can and cannot show.
"""

import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import rnnbook  # noqa: E402,F401  (before keras: keeps TensorFlow quiet)
from rnnbook import adding_problem  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "data" / "adding_problem.json"

MODELS = ["SimpleRNN", "LSTM", "GRU"]
TIMESTEPS = [10, 50, 100, 200]
SEEDS = [0, 1]
BUDGET = {"units": 32, "steps": 500, "batch_size": 64, "learning_rate": 2e-3,
          "clipnorm": 1.0, "test_samples": 512, "eval_every": 25}


def main():
    import keras

    runs, start = [], time.perf_counter()
    grid = [(m, t, s) for t in TIMESTEPS for m in MODELS for s in SEEDS]
    evals = BUDGET["steps"] // BUDGET["eval_every"]
    for number, (kind, timesteps, seed) in enumerate(grid, 1):
        print(f"[{number}/{len(grid)}] {kind}, T = {timesteps}, seed {seed}", flush=True)
        bar = keras.utils.Progbar(evals, stateful_metrics=["test_mse"])

        def progress(step, mse, bar=bar):
            bar.update(step // BUDGET["eval_every"], values=[("test_mse", mse)])

        began = time.perf_counter()
        run = adding_problem.train(kind, timesteps, seed=seed, progress=progress, **BUDGET)
        run["seconds"] = round(time.perf_counter() - began, 1)
        runs.append(run)
    import keras as k
    import numpy as np
    import tensorflow as tf
    result = {
        "task": "adding problem (Le, Jaitly & Hinton 2015 variant: one marker in each half)",
        "models": MODELS, "timesteps": TIMESTEPS, "seeds": SEEDS, "budget": BUDGET,
        "baseline_mse_theory": adding_problem.BASELINE_MSE,
        "test_set_seed": "10000 + seed", "train_batch_seed": "seed * 1000003 + step",
        "total_seconds": round(time.perf_counter() - start, 1),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "keras": k.__version__, "tensorflow": tf.__version__,
                    "numpy": np.__version__},
        "command": "python tools/adding_problem.py",
        "runs": runs,
    }
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {OUTPUT.relative_to(ROOT)} in {result['total_seconds']:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
