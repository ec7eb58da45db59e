"""The seed articles' experiments in Keras 3, with stated budgets (data/articles_experiments.json).

Run with ``make experiments`` (about 20-25 minutes on 2 shared CPU cores). ``--quick`` runs
a tiny version of every part (a smoke test; writes to the path given by ``--out``).

Parts, each seeded (``keras.utils.set_random_seed(seed)`` before each model is built):

1. ``article``: seed 000's SimpleRNN(50) and LSTM(50) on Reuters as the article trains them
   (batch 50, Adam 0.001, 200 epochs), test loss and accuracy every few epochs.
2. ``better``: Embedding(mask_zero=True) + LSTM / GRU / bidirectional LSTM, and a bag of
   words + Dense, same data and split, fewer epochs; the models of one seed are trained
   round-robin, one epoch each in turn, so their seconds per epoch are measured side by side.
3. ``learning_curve``: Embedding + LSTM and Embedding + GRU on the first n training wires.
4. ``tagging``: seed 001's three frame taggers on a small synthetic set
   (:func:`rnnbook.tagging.tagging_data`), round-robin too; frame-level F1 on a test set.
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

# isort: off
import rnnbook  # noqa: F401  (before TensorFlow: keeps its log lines quiet)
import keras
from rnnbook import reuters, tagging
# isort: on

ROOT = Path(__file__).resolve().parent.parent

FULL = {
    "article": {"seeds": [0, 1], "epochs": 200, "eval_every": 5},
    "better": {"seeds": [0, 1, 2], "epochs": 10},
    "learning_curve": {"seeds": [0, 1, 2], "epochs": 10, "sizes": [150, 400, 800]},
    "tagging": {"seeds": [0], "epochs": 12, "train": 192, "test": 64, "batch_size": 8},
}
QUICK = {
    "article": {"seeds": [0], "epochs": 2, "eval_every": 1},
    "better": {"seeds": [0], "epochs": 2},
    "learning_curve": {"seeds": [0], "epochs": 2, "sizes": [100]},
    "tagging": {"seeds": [0], "epochs": 2, "train": 16, "test": 8, "batch_size": 16},
}
TAGGING_DATA = {"events": [2, 5], "lengths": [16, 64], "amplitude": 3.0, "noise": 1.0,
                "band": 16, "signature_seed": 1234}


def units_of_work(budget):
    """Epochs to train in all: the progress bar's target."""
    article = len(budget["article"]["seeds"]) * 2 * budget["article"]["epochs"]
    better = len(budget["better"]["seeds"]) * len(reuters.BETTER_KINDS) * budget["better"]["epochs"]
    curve = (len(budget["learning_curve"]["seeds"]) * 2 * len(budget["learning_curve"]["sizes"])
             * budget["learning_curve"]["epochs"])
    tag = len(budget["tagging"]["seeds"]) * 3 * budget["tagging"]["epochs"]
    return article + better + curve + tag


def fit_one_epoch(model, x, y, epoch, batch_size):
    """Train ``model`` one epoch; returns (seconds, training loss, training accuracy)."""
    start = time.perf_counter()
    history = model.fit(x, y, batch_size=batch_size, epochs=epoch + 1, initial_epoch=epoch,
                        verbose=0, shuffle=True)
    seconds = time.perf_counter() - start
    return seconds, float(history.history["loss"][-1]), float(history.history["accuracy"][-1])


def round_robin(models, train, test, epochs, batch_size, progress, *, eval_every=1,
                evaluate=None):
    """Train several models one epoch each in turn, recording curves and seconds per epoch.

    ``models``: name -> model; ``train``/``test``: name -> (x, y); ``evaluate(model, x, y)``
    returns a dict of test metrics (``model.evaluate`` as loss/accuracy by default).
    """
    if evaluate is None:
        def evaluate(model, x, y):
            loss, accuracy = model.evaluate(x, y, batch_size=256, verbose=0)
            return {"test_loss": float(loss), "test_accuracy": float(accuracy)}
    records = {name: {"epoch_seconds": [], "loss": [], "accuracy": [], "eval_epochs": []}
               for name in models}
    for epoch in range(epochs):
        for name, model in models.items():
            seconds, loss, accuracy = fit_one_epoch(model, *train[name], epoch, batch_size)
            record = records[name]
            record["epoch_seconds"].append(round(seconds, 4))
            record["loss"].append(loss)
            record["accuracy"].append(accuracy)
            if (epoch + 1) % eval_every == 0 or epoch + 1 == epochs:
                record["eval_epochs"].append(epoch + 1)
                for key, value in evaluate(model, *test[name]).items():
                    record.setdefault(key, []).append(value)
            progress.add(1, values=[("loss", loss)])
    return records


def run_article(budget, data, progress):
    runs = []
    for seed in budget["seeds"]:
        models = {}
        for kind in ("SimpleRNN", "LSTM"):
            keras.utils.set_random_seed(seed)
            models[kind] = reuters.article_model(kind, data["x_train"].shape[1])
        both = {k: (data["x_train"], data["y_train"]) for k in models}
        test = {k: (data["x_test"], data["y_test"]) for k in models}
        records = round_robin(models, both, test, budget["epochs"], reuters.BATCH_SIZE,
                              progress, eval_every=budget["eval_every"])
        for kind, record in records.items():
            runs.append({"model": kind, "seed": seed, "params": models[kind].count_params(),
                         **record})
    return runs


def run_better(budget, data, progress, sizes=None):
    runs = []
    kinds = reuters.BETTER_KINDS if sizes is None else ("Embedding+LSTM", "Embedding+GRU")
    for size in sizes or [None]:
        n = len(data["tokens_train"]) if size is None else size
        for seed in budget["seeds"]:
            models = {}
            for kind in kinds:
                keras.utils.set_random_seed(seed)
                models[kind] = reuters.better_model(kind, data["tokens_train"].shape[1])
            train = {k: (data["tokens_train"][:n], data["labels_train"][:n]) for k in models}
            test = {k: (data["tokens_test"], data["labels_test"]) for k in models}
            records = round_robin(models, train, test, budget["epochs"], reuters.BATCH_SIZE,
                                  progress)
            for kind, record in records.items():
                runs.append({"model": kind, "seed": seed, "train_size": n,
                             "params": models[kind].count_params(), **record})
    return runs


def run_tagging(budget, progress):
    settings = dict(TAGGING_DATA, events=tuple(TAGGING_DATA["events"]),
                    lengths=tuple(TAGGING_DATA["lengths"]))
    runs = []
    for seed in budget["seeds"]:
        x_train, y_train = tagging.tagging_data(budget["train"], seed=1000 + seed, **settings)
        x_test, y_test = tagging.tagging_data(budget["test"], seed=2000 + seed, **settings)
        models = {}
        for kind in ("SimpleRNN", "LSTM", "GRU"):
            keras.utils.set_random_seed(seed)
            models[kind] = tagging.tagging_model(kind)

        def evaluate(model, x, y):
            probabilities = model.predict(x, batch_size=32, verbose=0)
            return {"test_f1": tagging.frame_f1(y, probabilities),
                    "test_f1_macro": tagging.frame_f1(y, probabilities, average="macro")}

        train = {k: (x_train, y_train) for k in models}
        test = {k: (x_test, y_test) for k in models}
        records = round_robin(models, train, test, budget["epochs"], budget["batch_size"],
                              progress, evaluate=evaluate)
        for kind, record in records.items():
            runs.append({"model": kind, "seed": seed, "params": models[kind].count_params(),
                         "positive_fraction_test": float(y_test.mean()), **record})
    return runs


def rerun_tagging(path, budget):
    results = json.loads(path.read_text())
    results.setdefault("previous", []).append({
        "why": "the tagging part was re-run with a larger budget; these are the earlier runs",
        "budget": results["budget"]["tagging"], "tagging_data": results["tagging_data"],
        "tagging": results["tagging"]})
    started = time.time()
    progress = keras.utils.Progbar(len(budget["tagging"]["seeds"]) * 3
                                   * budget["tagging"]["epochs"], unit_name="epoch",
                                   stateful_metrics=["loss"])
    results["budget"]["tagging"] = budget["tagging"]
    results["tagging_data"] = TAGGING_DATA
    results["tagging"] = run_tagging(budget["tagging"], progress)
    results["tagging_wall_seconds"] = round(time.time() - started, 1)
    path.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nwrote the tagging part into {path} in {results['tagging_wall_seconds'] / 60:.1f} "
          "minutes")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny smoke-test budget")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "articles_experiments.json")
    parser.add_argument("--only-tagging", action="store_true",
                        help="re-run only the tagging part into an existing --out file, keeping "
                             "the earlier tagging runs under 'previous'")
    args = parser.parse_args()
    budget = QUICK if args.quick else FULL
    if args.only_tagging:
        rerun_tagging(args.out, budget)
        return
    started = time.time()
    data = reuters.article_data()
    progress = keras.utils.Progbar(units_of_work(budget), unit_name="epoch",
                                   stateful_metrics=["loss"])
    results = {
        "about": "Written by tools/articles_experiments.py; see rnnbook.reuters and "
                 "rnnbook.tagging for the models. Times are wall-clock seconds on a machine "
                 "whose 2 CPU cores were shared with other jobs while measuring.",
        "environment": {"keras": keras.__version__, "backend": keras.backend.backend(),
                        "python": platform.python_version(), "machine": platform.machine()},
        "budget": budget,
        "reuters": {"num_words": reuters.NUM_WORDS, "maxlen": reuters.MAXLEN,
                    "test_split": reuters.TEST_SPLIT, "train": int(len(data["x_train"])),
                    "test": int(len(data["x_test"])), "timesteps": int(data["x_train"].shape[1]),
                    "batch_size": reuters.BATCH_SIZE, "learning_rate": reuters.LEARNING_RATE,
                    "units": reuters.UNITS, "embedding_dim": reuters.EMBEDDING_DIM,
                    "majority_accuracy": reuters.majority_accuracy(data["labels_train"],
                                                                   data["labels_test"])},
        "tagging_data": TAGGING_DATA,
    }
    results["article"] = run_article(budget["article"], data, progress)
    results["better"] = run_better(budget["better"], data, progress)
    results["learning_curve"] = run_better(budget["learning_curve"], data, progress,
                                           sizes=budget["learning_curve"]["sizes"])
    results["tagging"] = run_tagging(budget["tagging"], progress)
    results["wall_seconds"] = round(time.time() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nwrote {args.out} in {results['wall_seconds'] / 60:.1f} minutes")


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
