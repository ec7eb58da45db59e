"""The seed articles' experiments in Keras 3, with stated budgets (data/articles_experiments.json).

``make experiments`` (``python tools/articles_experiments.py``) runs everything with the
FULL budget and writes ``data/articles_experiments.json``, the file chapter 07 shows (its
wall time is recorded in the file as ``wall_seconds``). ``make experiments QUICK=1``
(``--quick --out PATH``) runs a tiny version of every part into PATH, which is required and
may not lie in ``data/``: a smoke test whose file every loader of the chapter accepts
(``tests/test_articles_experiments.py``).
One progress line per trained model goes to stderr.

Every model is built and trained alone, right after ``keras.utils.set_random_seed(seed)``,
in a single ``fit``: its initial weights, its dropout masks (each layer's own seed
generator) and its shuffling (TensorFlow's global generator, reset by that call) depend on
its seed only, not on which models ran before it. Test metrics are computed in NumPy from
``model.predict``.

Parts:

1. ``article``: seed 000's SimpleRNN(50) and LSTM(50) on Reuters as the article trains them
   (batch 50, Adam 0.001; the article runs 200 epochs, FULL fewer); test loss, accuracy
   and macro-F1 every few epochs.
2. ``better``: Embedding(mask_zero=True) + LSTM / GRU / bidirectional LSTM, a bag of words
   + Dense, and the Embedding + GRU on wires whose words are shuffled (the word-order
   control); same data and split, 10 epochs.
3. ``learning_curve``: Embedding + LSTM and Embedding + GRU on the first n training wires.
4. ``first_tagging``: seed 001's three frame taggers with the first, smaller budget on a
   harder task, scored on the *validation* sequences (seed 2000), which is where the
   decision to enlarge the budget and ease the task was made.
5. ``tagging``: the three taggers with the article's dropout (0.5) and without it (0), a
   per-frame Dense baseline and the matched-filter ceiling, on the final task; validation
   F1 after every epoch, and the *test* sequences (seed 3000, used for nothing else) scored
   once, after the last epoch (and for the Dense baseline also after the taggers' budget).
6. ``timing``: seconds per training step of Embedding + GRU against Embedding + LSTM and of
   the taggers, measured after training in interleaved rounds (each round runs every model's
   batches once, in an order rotated by one per round); the minimum over rounds is the
   statistic, and :data:`rnnbook.experiment_results.SPEED_BAND` the equivalence band.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

# isort: off
import rnnbook  # noqa: F401  (before TensorFlow: keeps its log lines quiet)
import keras
from rnnbook import experiment_results, reuters, tagging
# isort: on

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
OUTPUT = DATA / "articles_experiments.json"

#: The full budget. The first design (200 article epochs evaluated every 5, learning-curve
#: sizes 150, 400 and 800, a first tagging attempt of 10 epochs on 128 sequences, final
#: taggers of 12 epochs on 192 sequences of 256 frames, Dense 60 epochs, 9 timing rounds)
#: needed well over an hour with the machine's 2 cores shared by several jobs: a tagger's
#: first epoch alone took about a minute and a half on 256 frames, a quarter of that on 64.
#: This one keeps 3 seeds everywhere and cuts epochs, sizes and frames instead (the
#: article's models get 50 of its 200 epochs; the taggers see sequences of 64 frames).
FULL = {
    "article": {"seeds": [0, 1, 2], "epochs": 50, "eval_every": 5},
    "better": {"seeds": [0, 1, 2], "epochs": 8},
    "learning_curve": {"seeds": [0, 1, 2], "epochs": 8, "sizes": [150, 400]},
    "first_tagging": {"seeds": [0], "epochs": 5, "train": 64, "validation": 64,
                      "batch_size": 16},
    "tagging": {"seeds": [0, 1, 2], "epochs": 10, "dense_epochs": 40, "train": 128,
                "validation": 64, "test": 128, "batch_size": 8},
    "timing": {"rounds": 7, "reuters_batches": 14, "tagging_batches": 6},
}
QUICK = {
    "article": {"seeds": [0], "epochs": 2, "eval_every": 1},
    "better": {"seeds": [0], "epochs": 1},
    "learning_curve": {"seeds": [0], "epochs": 1, "sizes": [100]},
    "first_tagging": {"seeds": [0], "epochs": 1, "train": 8, "validation": 4, "batch_size": 8},
    "tagging": {"seeds": [0], "epochs": 1, "dense_epochs": 2, "train": 8, "validation": 4,
                "test": 4, "batch_size": 8},
    "timing": {"rounds": 2, "reuters_batches": 1, "tagging_batches": 1},
}
#: The final tagging task (64 frames of the article's 256 features; amplitude 3, events of 8
#: to 24 frames), and the first one (amplitude 1, events from 4 frames).
TAGGING_DATA = {"timesteps": 64, "features": 256, "events": [2, 5], "lengths": [8, 24],
                "amplitude": 3.0, "noise": 1.0, "band": 16, "signature_seed": 1234}
FIRST_TAGGING_DATA = {**TAGGING_DATA, "lengths": [4, 24], "amplitude": 1.0}
#: The quick mode's smaller frames: same models and code paths, a fraction of the cost.
QUICK_SHAPE = {"timesteps": 32, "features": 32, "lengths": [4, 16], "band": 8}
#: Data seeds: training sequences 1000 + seed, validation 2000, test 3000.
TRAIN_SEED, VALIDATION_SEED, TEST_SEED = 1000, 2000, 3000
#: The word-order control's permutations of the training and test wires.
SHUFFLE_SEEDS = {"train": 1, "test": 2}
#: The taggers: name -> (kind, dropout); the Dense baseline is built apart.
TAGGERS = {"SimpleRNN": ("SimpleRNN", 0.5), "LSTM": ("LSTM", 0.5), "GRU": ("GRU", 0.5),
           "SimpleRNN, no dropout": ("SimpleRNN", 0.0), "LSTM, no dropout": ("LSTM", 0.0),
           "GRU, no dropout": ("GRU", 0.0)}
DENSE = experiment_results.DENSE_BASELINE


def say(text):
    """One progress line on stderr (never into the results)."""
    print(text, file=sys.stderr, flush=True)


def provenance(argv, started):
    """What produced the file: command line, commit, library versions and machine."""
    import tensorflow as tf

    try:
        described = subprocess.run(["git", "describe", "--always", "--dirty", "--tags"],
                                   cwd=ROOT, capture_output=True, text=True, check=True)
        commit = described.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown (not a git checkout)"
    cpu = "unknown"
    if Path("/proc/cpuinfo").exists():
        names = [line.split(":", 1)[1].strip() for line in
                 Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")]
        cpu = names[0] if names else cpu
    return {"command": " ".join(["python", *argv]), "git_describe": commit,
            "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
            "keras": keras.__version__, "tensorflow": tf.__version__,
            "numpy": np.__version__, "python": platform.python_version(),
            "backend": keras.backend.backend(), "machine": platform.machine(),
            "cpu": cpu, "cpus": os.cpu_count(),
            "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
            "note": "the 2 CPU cores were shared with other jobs: wall times are inflated"}


class Recorder(keras.callbacks.Callback):
    """Per epoch: seconds, training loss and accuracy; at chosen epochs, ``evaluate()``."""

    def __init__(self, accuracy_key, eval_epochs, evaluate):
        super().__init__()
        self.accuracy_key, self.eval_epochs, self.evaluate = accuracy_key, eval_epochs, evaluate
        self.record = {"epoch_seconds": [], "loss": [], self.accuracy_key: [],
                       "eval_epochs": []}

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.record["epoch_seconds"].append(round(time.perf_counter() - self.started, 4))
        self.record["loss"].append(float(logs["loss"]))
        self.record[self.accuracy_key].append(float(logs[self.accuracy_key]))
        if epoch + 1 in self.eval_epochs:
            self.record["eval_epochs"].append(epoch + 1)
            for key, value in self.evaluate(self.model).items():
                self.record.setdefault(key, []).append(value)


def train(model, x, y, *, epochs, batch_size, eval_epochs, evaluate, accuracy_key):
    """One ``fit`` of ``epochs`` epochs; returns the run's record (see :class:`Recorder`)."""
    recorder = Recorder(accuracy_key, set(eval_epochs), evaluate)
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, shuffle=True,
              callbacks=[recorder])
    return recorder.record


def reuters_scores(model, x, labels, prefix="test"):
    """Test loss (cross-entropy, as Keras clips), accuracy and macro-F1, from ``predict``."""
    probabilities = model.predict(x, batch_size=256, verbose=0)
    clipped = np.clip(probabilities[np.arange(len(labels)), labels], 1e-7, 1 - 1e-7)
    predicted = probabilities.argmax(1)
    return {f"{prefix}_loss": float(-np.mean(np.log(clipped))),
            f"{prefix}_accuracy": float(np.mean(predicted == labels)),
            f"{prefix}_macro_f1": reuters.macro_f1(labels, predicted)}


def tagging_scores(model, x, y, prefix):
    """Frame-level F1 (micro, macro), loss and the two accuracies, from ``predict``."""
    probabilities = model.predict(x, batch_size=32, verbose=0)
    clipped = np.clip(probabilities, 1e-7, 1 - 1e-7)
    loss = -np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))
    accuracy = tagging.accuracies(y, probabilities)
    return {f"{prefix}_f1": tagging.frame_f1(y, probabilities),
            f"{prefix}_f1_macro": tagging.frame_f1(y, probabilities, average="macro"),
            f"{prefix}_loss": float(loss),
            f"{prefix}_binary_accuracy": accuracy["binary"],
            f"{prefix}_categorical_accuracy": accuracy["categorical"]}


def run_article(budget, data):
    runs = []
    epochs, every = budget["epochs"], budget["eval_every"]
    evals = [e for e in range(1, epochs + 1) if e % every == 0 or e == epochs]
    for seed in budget["seeds"]:
        for kind in ("SimpleRNN", "LSTM"):
            keras.utils.set_random_seed(seed)
            model = reuters.article_model(kind, data["x_train"].shape[1])
            began = time.perf_counter()
            record = train(model, data["x_train"], data["y_train"], epochs=epochs,
                           batch_size=reuters.BATCH_SIZE, eval_epochs=evals,
                           accuracy_key="accuracy",
                           evaluate=lambda m: reuters_scores(m, data["x_test"],
                                                             data["labels_test"]))
            runs.append({"model": kind, "seed": seed, "params": model.count_params(),
                         "train_size": len(data["x_train"]), **record})
            say(f"article {kind} seed {seed}: {epochs} epochs in "
                f"{time.perf_counter() - began:.0f} s, test accuracy "
                f"{record['test_accuracy'][-1]:.3f}")
    return runs


def run_better(budget, data, kept, sizes=None):
    runs = []
    kinds = list(reuters.BETTER_KINDS) + [experiment_results.SHUFFLED]
    if sizes is not None:
        kinds = ["Embedding+LSTM", "Embedding+GRU"]
    shuffled = {"train": reuters.shuffle_words(data["tokens_train"], SHUFFLE_SEEDS["train"]),
                "test": reuters.shuffle_words(data["tokens_test"], SHUFFLE_SEEDS["test"])}
    for size in sizes or [None]:
        n = len(data["tokens_train"]) if size is None else size
        for seed in budget["seeds"]:
            for kind in kinds:
                words = shuffled if kind == experiment_results.SHUFFLED else {
                    "train": data["tokens_train"], "test": data["tokens_test"]}
                keras.utils.set_random_seed(seed)
                model = reuters.better_model(kind.split(",")[0], data["tokens_train"].shape[1])
                began = time.perf_counter()
                record = train(model, words["train"][:n], data["labels_train"][:n],
                               epochs=budget["epochs"], batch_size=reuters.BATCH_SIZE,
                               eval_epochs=range(1, budget["epochs"] + 1),
                               accuracy_key="accuracy",
                               evaluate=lambda m, w=words: reuters_scores(
                                   m, w["test"], data["labels_test"]))
                runs.append({"model": kind, "seed": seed, "train_size": n,
                             "params": model.count_params(), **record})
                if size is None and seed == budget["seeds"][0]:
                    kept[("reuters", kind)] = model
                say(f"{'better' if size is None else 'learning curve'} {kind} seed {seed}, "
                    f"{n} wires: {time.perf_counter() - began:.0f} s, test accuracy "
                    f"{record['test_accuracy'][-1]:.3f}")
    return runs


def tagging_settings(task, quick):
    """``tagging_data`` keyword arguments for a task (the quick mode's smaller frames)."""
    settings = dict(task, **(QUICK_SHAPE if quick else {}))
    return {**settings, "events": tuple(settings["events"]),
            "lengths": tuple(settings["lengths"])}


def build_tagger(name, shape):
    if name == DENSE:
        return tagging.frame_dense_model(input_shape=shape)
    kind, dropout = TAGGERS[name]
    return tagging.tagging_model(kind, dropout=dropout, input_shape=shape)


def run_taggers(budget, task, names, kept=None, *, score_test=True):
    """Train the named taggers on each seed; returns their runs."""
    shape = (task["timesteps"], task["features"])
    validation = tagging.tagging_data(budget["validation"], seed=VALIDATION_SEED, **task)
    test = tagging.tagging_data(budget["test"], seed=TEST_SEED, **task) if score_test else None
    runs = []
    for seed in budget["seeds"]:
        x_train, y_train = tagging.tagging_data(budget["train"], seed=TRAIN_SEED + seed, **task)
        for name in names:
            epochs = budget["dense_epochs"] if name == DENSE else budget["epochs"]
            test_epochs = sorted({budget["epochs"], epochs}) if score_test else []
            keras.utils.set_random_seed(seed)
            model = build_tagger(name, shape)
            began = time.perf_counter()
            recorder = Recorder("binary_accuracy", set(range(1, epochs + 1)),
                                lambda m: tagging_scores(m, *validation, "val"))
            tests = TestScores(test, test_epochs)
            model.fit(x_train, y_train, batch_size=budget["batch_size"], epochs=epochs,
                      verbose=0, shuffle=True, callbacks=[recorder, tests])
            record = {**recorder.record, **tests.record}
            runs.append({"model": name, "seed": seed, "params": model.count_params(),
                         "dropout": 0.0 if name == DENSE else TAGGERS[name][1],
                         "learning_rate": float(model.optimizer.learning_rate.numpy()),
                         "positive_fraction_train": float(y_train.mean()), **record})
            if kept is not None and seed == budget["seeds"][0]:
                kept[("tagging", name)] = model
            score = f", test F1 {record['test_f1'][-1]:.3f}" if score_test else ""
            say(f"tagging {name} seed {seed}: {epochs} epochs in "
                f"{time.perf_counter() - began:.0f} s, validation F1 "
                f"{record['val_f1'][-1]:.3f}{score}")
    return runs, validation, test


class TestScores(keras.callbacks.Callback):
    """The test sequences, scored at the listed epochs only (none for the first attempt)."""

    def __init__(self, test, epochs):
        super().__init__()
        self.test, self.epochs = test, set(epochs)
        self.record = {"test_epochs": []} if epochs else {}

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            self.record["test_epochs"].append(epoch + 1)
            for key, value in tagging_scores(self.model, *self.test, "test").items():
                self.record.setdefault(key, []).append(value)


def matched_filter_scores(task, sets):
    """The oracle's F1 on each named set ``(x, y)``."""
    scores = {"rule": "mean of a class's signature features above amplitude / 2"}
    for prefix, (x, y) in sets.items():
        answers = tagging.matched_filter(x, amplitude=task["amplitude"], band=task["band"],
                                         signature_seed=task["signature_seed"])
        scores[f"{prefix}_f1"] = tagging.frame_f1(y, answers)
        scores[f"{prefix}_f1_macro"] = tagging.frame_f1(y, answers, average="macro")
    return scores


def interleaved_timing(entries, rounds):
    """Seconds to run each model's batches once, per round, rounds interleaved.

    ``entries``: name -> (model, batches), ``batches`` a list of ``(x, y)`` tensors. Each
    model takes one untimed warm-up step; then each round runs every model's batches with
    ``train_on_batch``, in an order rotated by one per round, so that a change in the
    machine's load hits every model alike. Returns name -> list of seconds, one per round.
    """
    for model, batches in entries.values():
        model.train_on_batch(*batches[0])
    names = list(entries)
    seconds = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            model, batches = entries[name]
            start = time.perf_counter()
            for x, y in batches:
                model.train_on_batch(x, y)
            seconds[name].append(round(time.perf_counter() - start, 5))
    return seconds


def batches_of(x, y, batch_size, count):
    """The first ``count`` batches of ``(x, y)``, as tensors."""
    return [(keras.ops.convert_to_tensor(x[i:i + batch_size]),
             keras.ops.convert_to_tensor(y[i:i + batch_size]))
            for i in range(0, count * batch_size, batch_size)]


def run_timing(budget, data, kept, task, tagging_budget):
    say("timing: interleaved rounds")
    x_tag, y_tag = tagging.tagging_data(tagging_budget["batch_size"] * budget["tagging_batches"],
                                        seed=TRAIN_SEED, **task)
    reuters_models = ("Embedding+LSTM", "Embedding+GRU")
    tagger_models = ("SimpleRNN", "LSTM", "GRU", "SimpleRNN, no dropout", "LSTM, no dropout",
                     "GRU, no dropout")
    reuters_batches = batches_of(data["tokens_train"], data["labels_train"],
                                 reuters.BATCH_SIZE, budget["reuters_batches"])
    tag_batches = batches_of(x_tag, y_tag, tagging_budget["batch_size"],
                             budget["tagging_batches"])
    return {
        "band": experiment_results.SPEED_BAND, "rounds": budget["rounds"],
        "statistic": "minimum over rounds",
        "reuters": {"batch_size": reuters.BATCH_SIZE, "batches": budget["reuters_batches"],
                    "seconds": interleaved_timing(
                        {m: (kept[("reuters", m)], reuters_batches) for m in reuters_models},
                        budget["rounds"])},
        "tagging": {"batch_size": tagging_budget["batch_size"],
                    "batches": budget["tagging_batches"],
                    "seconds": interleaved_timing(
                        {m: (kept[("tagging", m)], tag_batches) for m in tagger_models},
                        budget["rounds"])},
    }


def out_path(args):
    """Where to write; the quick mode must name a path outside ``data/``."""
    if not args.quick:
        return args.out or OUTPUT
    if args.out is None:
        raise SystemExit("--quick needs --out PATH (outside data/): its tiny results must "
                         "never replace the chapter's")
    out = args.out.resolve()
    if out == DATA.resolve() or DATA.resolve() in out.parents:
        raise SystemExit(f"--quick refuses to write into {DATA}: give --out a path elsewhere")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a tiny budget for a smoke test (needs --out outside data/)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"the results file (default {OUTPUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    out = out_path(args)
    budget = QUICK if args.quick else FULL
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")   # a retracing notice per new model is not news here
    started = time.time()
    results = {
        "about": "Written by tools/articles_experiments.py; see rnnbook.reuters and "
                 "rnnbook.tagging for the models and rnnbook.experiment_results for how the "
                 "chapter reads this file. Times are wall-clock seconds.",
        "provenance": provenance(sys.argv if argv is None else
                                 ["tools/articles_experiments.py", *argv], started),
        "quick": args.quick, "budget": budget,
        "data_seeds": {"train": f"{TRAIN_SEED} + seed", "validation": VALIDATION_SEED,
                       "test": TEST_SEED, "word_order_control": SHUFFLE_SEEDS},
    }
    data = reuters.article_data()
    results["reuters"] = {
        "num_words": reuters.NUM_WORDS, "maxlen": reuters.MAXLEN,
        "test_split": reuters.TEST_SPLIT, "train": int(len(data["x_train"])),
        "test": int(len(data["x_test"])), "timesteps": int(data["x_train"].shape[1]),
        "batch_size": reuters.BATCH_SIZE, "learning_rate": reuters.LEARNING_RATE,
        "units": reuters.UNITS, "embedding_dim": reuters.EMBEDDING_DIM,
        "majority_accuracy": reuters.majority_accuracy(data["labels_train"],
                                                       data["labels_test"]),
        "majority_macro_f1": reuters.macro_f1(
            data["labels_test"], np.full_like(data["labels_test"],
                                              np.bincount(data["labels_train"]).argmax())),
        "topics_present": reuters.topics_present(data["labels_train"], data["labels_test"])}
    kept = {}
    results["article"] = run_article(budget["article"], data)
    results["better"] = run_better(budget["better"], data, kept)
    results["learning_curve"] = run_better(budget["learning_curve"], data, kept,
                                           sizes=budget["learning_curve"]["sizes"])

    first_task = tagging_settings(FIRST_TAGGING_DATA, args.quick)
    first_runs, first_validation, _ = run_taggers(budget["first_tagging"], first_task,
                                                  ["SimpleRNN", "LSTM", "GRU"],
                                                  score_test=False)
    results["first_tagging"] = {
        "budget": budget["first_tagging"], "tagging_data": first_task, "runs": first_runs,
        "matched_filter": matched_filter_scores(first_task, {"val": first_validation})}
    task = tagging_settings(TAGGING_DATA, args.quick)
    results["tagging_data"] = task
    results["tagging_models"] = {
        "recurrent_activation": "sigmoid (Keras 3's default; Keras 2.2.5's was hard_sigmoid)",
        "reset_after": False, "optimizer": "Adam", "loss": "binary_crossentropy",
        "metric": "BinaryAccuracy (Keras 2's reading of metrics=['accuracy'] here)"}
    runs, validation, test = run_taggers(budget["tagging"], task, [*TAGGERS, DENSE], kept)
    results["tagging"] = runs
    results["matched_filter"] = matched_filter_scores(task, {"val": validation, "test": test})
    results["tagging_positive_fraction_test"] = float(test[1].mean())
    results["timing"] = run_timing(budget["timing"], data, kept, task, budget["tagging"])
    results["provenance"]["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    results["wall_seconds"] = round(time.time() - started, 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    say(f"wrote {out} in {results['wall_seconds'] / 60:.1f} minutes")
    return out


if __name__ == "__main__":
    main()
