"""Train SimpleRNN, LSTM and GRU on the adding problem; write data/adding_problem.json.

Usage: .venv/bin/python tools/adding_problem.py  (or `make adding-problem`)

Two parts, both written to the JSON file with every setting, seed, budget, timing and
learning curve (test MSE every ``eval_every`` steps):

- the grid: every model at every length with a small budget (BUDGET), so the whole grid
  finishes in about a quarter of an hour on two CPU cores;
- the longer budget: SimpleRNN, LSTM and GRU at T = 50 only, with LONG_BUDGET (six times
  the steps, every other setting the same), the seeds shown one by one. After training,
  each of these models is inspected on test sequences (``adding_problem.inspect_layer``:
  the gradient norm against the lag and the mean of the gate that keeps the state), and
  so is the same model at initialisation.

TensorFlow's op determinism is on, as in the chapter, so the chapter's live re-run of a
stored configuration can compare its first steps with the stored curve. The chapter
"Why vanilla RNNs forget" loads the file and says what these budgets can and cannot show.
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

LONG_MODELS = ["SimpleRNN", "LSTM", "GRU"]
LONG_TIMESTEPS = 50
LONG_SEEDS = [0, 1]
LONG_BUDGET = {**BUDGET, "steps": 3000, "eval_every": 50}
#: Test sequences the trained layers are inspected on (the first of the run's test set).
INSPECT_SAMPLES = 8


def run_one(kind, timesteps, seed, budget, inspect=False):
    """Train one model with ``budget``; time it; optionally inspect it before and after."""
    import keras

    bar = keras.utils.Progbar(budget["steps"] // budget["eval_every"],
                              stateful_metrics=["test_mse"])

    def progress(step, mse):
        bar.update(step // budget["eval_every"], values=[("test_mse", mse)])

    began = time.perf_counter()
    run, model = adding_problem.train(kind, timesteps, seed=seed, progress=progress,
                                      return_model=True, **budget)
    run["seconds"] = round(time.perf_counter() - began, 1)
    if inspect:
        x_test, _ = adding_problem.generate(budget["test_samples"], timesteps,
                                            seed=10_000 + seed)
        x_inspect = x_test[:INSPECT_SAMPLES]
        initial = adding_problem.build_model(kind, timesteps, units=budget["units"],
                                             seed=seed)
        run["initial"] = adding_problem.inspect_layer(initial.layers[0], x_inspect)
        run["trained"] = adding_problem.inspect_layer(model.layers[0], x_inspect)
    return run


def main():
    import keras
    import numpy as np
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    start = time.perf_counter()
    grid = [(m, t, s) for t in TIMESTEPS for m in MODELS for s in SEEDS]
    long = [(m, LONG_TIMESTEPS, s) for m in LONG_MODELS for s in LONG_SEEDS]
    runs, long_runs = [], []
    for number, (kind, timesteps, seed) in enumerate(grid + long, 1):
        is_long = number > len(grid)
        print(f"[{number}/{len(grid) + len(long)}] {kind}, T = {timesteps}, seed {seed}"
              f"{' (longer budget)' if is_long else ''}", flush=True)
        if is_long:
            long_runs.append(run_one(kind, timesteps, seed, LONG_BUDGET, inspect=True))
        else:
            runs.append(run_one(kind, timesteps, seed, BUDGET))
    result = {
        "task": "adding problem, the variant of Arjovsky, Shah & Bengio (2016): values "
                "U(0, 1), one marker in each half of the sequence, target their sum",
        "models": MODELS, "timesteps": TIMESTEPS, "seeds": SEEDS, "budget": BUDGET,
        "baseline_mse_theory": adding_problem.BASELINE_MSE,
        "test_set_seed": "10000 + seed", "train_batch_seed": "seed * 1000003 + step",
        "op_determinism": True,
        "total_seconds": round(time.perf_counter() - start, 1),
        "grid_seconds": round(sum(r["seconds"] for r in runs), 1),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "keras": keras.__version__, "tensorflow": tf.__version__,
                    "numpy": np.__version__,
                    "note": "2 CPU cores shared with other jobs: times are inflated"},
        "command": "make adding-problem  (python tools/adding_problem.py)",
        "runs": runs,
        "long_budget": {"models": LONG_MODELS, "timesteps": LONG_TIMESTEPS,
                        "seeds": LONG_SEEDS, "budget": LONG_BUDGET,
                        "inspect_samples": INSPECT_SAMPLES,
                        "inspected_on": "the first inspect_samples sequences of the run's "
                                        "test set",
                        "seconds": round(sum(r["seconds"] for r in long_runs), 1),
                        "runs": long_runs},
    }
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {OUTPUT.relative_to(ROOT)} in {result['total_seconds']:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
