"""Seed 001's GRU-vs-LSTM claim where it was made: word-level language models on Reuters.

Usage: ``make language-model`` (writes data/language_model.json). On two otherwise idle
cores the whole run takes about 16 minutes (the file records its wall time and its main
grid's); an earlier run of the same code on cores shared with other jobs (load averages
8-14) took 91 minutes and trained exactly the same models: only the seconds differed.
Or ``make language-model QUICK=1`` / ``python tools/language_model.py --quick --out
DIR/language_model.json`` (a smoke test of every part; never writes into data/).

For each training-set size and seed, a SimpleRNN, an LSTM and a GRU language model of
matched parameter counts (:func:`rnnbook.language_model.matched_sizes`) are trained one epoch
each in turn (:func:`rnnbook.language_model.train_interleaved`), on the same windows in the
same order, for at most ``max_steps`` updates and until the validation perplexity has not
improved for ``patience`` epochs. Each run's test loss is measured with its best-validation
weights. The verdict rules are in :mod:`rnnbook.language_model_results`, written before the
runs; the chapter "Predicting the next word" applies them to this file.
"""

import argparse
import base64
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

import rnnbook  # noqa: F401  (before TensorFlow: keeps its log lines quiet)
from rnnbook import language_model as lm
from rnnbook import language_model_results as lmr
from rnnbook.provenance import environment

# Keras (and TensorFlow) are imported where they are used, so that a wrong command line is
# refused at once rather than after the import.

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
OUTPUT = DATA / "language_model.json"

FULL = {"sizes": [384, 1152, 3456], "seeds": [0, 1, 2], "max_steps": 648, "patience": 4,
        "validation_windows": 768, "test_windows": 2048,
        "follow_up": {"sizes": [384], "patience_updates": 216}}
QUICK = {"sizes": [64], "seeds": [0], "max_steps": 3, "patience": 4,
         "validation_windows": 128, "test_windows": 128,
         "follow_up": {"sizes": [64], "patience_updates": 2}}
#: Why the follow-up exists; it was added after the main grid had run.
FOLLOW_UP_WHY = (
    "Added after the main grid had run. Its patience rule, 4 epochs without a better "
    "validation loss, gives the smallest training set only 24 updates of patience (6 per "
    "epoch) against 216 at the largest; there the GRU and two of the three LSTMs stopped "
    "within a few epochs, worse than word counts. The follow-up trains the smallest size "
    "again with the largest size's patience counted in updates (216, i.e. 36 epochs), all "
    "else equal. The verdicts use the main grid, whose rules were fixed before it ran.")
#: How the learning rate was chosen (before the final seeds ran).
PILOT = ("Adam's learning rate was chosen on a pilot seed (99, not one of the final seeds) at "
         "the largest size: with learning_rate=3e-3 the GRU's validation perplexity stayed at "
         "the unigram level for six epochs; with 1e-2 all three cells left it within three.")


def epochs_for(size, budget):
    """Epochs that give a run of ``size`` windows at most ``max_steps`` updates."""
    steps_per_epoch = math.ceil(size / lm.BATCH_SIZE)
    return max(1, budget["max_steps"] // steps_per_epoch)


def encode_weights(weights):
    """Float32 arrays as JSON: shape and little-endian bytes in base64."""
    return [{"shape": list(w.shape),
             "float32_base64": base64.b64encode(np.ascontiguousarray(
                 w, dtype="<f4").tobytes()).decode("ascii")} for w in weights]


def train_grid(sizes, seeds, budget, data, kinds, *, patience_epochs, progress, keep=None):
    """Train every kind at every size and seed; return the runs (and the weights that
    ``keep(size, seed)`` asks for, by kind)."""
    runs, kept = [], {}
    for size in sizes:
        train = tuple(a[:size] for a in data["train"])
        for seed in seeds:
            records, models = lm.train_interleaved(
                kinds, train, data["validation"], epochs=epochs_for(size, budget), seed=seed,
                patience=patience_epochs(size), progress=progress)
            for kind, record in records.items():
                progress.skip(epochs_for(size, budget) - len(record["epoch_seconds"]))
                weights = record.pop("best_weights")
                runs.append({"kind": kind, "size": size, "seed": seed, **record,
                             "max_epochs": epochs_for(size, budget),
                             "patience": patience_epochs(size),
                             "test_loss": lm.evaluate(models[kind], *data["test"])})
                if keep is not None and keep(size, seed):
                    kept[kind] = (min(record["validation_loss"]), record["units"], weights)
    return runs, kept


class Progress:
    """A progress bar over epochs (upper bound: runs that stop early skip theirs)."""

    def __init__(self, total):
        import keras

        self.bar = keras.utils.Progbar(total, unit_name="epoch", stateful_metrics=["val_ppl"])
        self.done = 0

    def __call__(self, kind, epoch, record):
        self.done += 1
        self.bar.update(self.done, values=[("val_ppl", math.exp(record["validation_loss"][-1]))])

    def skip(self, epochs):
        self.done += epochs
        self.bar.update(self.done)


def follow_up(budget, data, kinds, progress):
    """The smallest size again, with the patience counted in updates (see FOLLOW_UP_WHY)."""
    plan = budget["follow_up"]

    def patience_epochs(size):
        return math.ceil(plan["patience_updates"] / math.ceil(size / lm.BATCH_SIZE))

    runs, _ = train_grid(plan["sizes"], budget["seeds"], budget, data, kinds,
                         patience_epochs=patience_epochs, progress=progress)
    return {"why": FOLLOW_UP_WHY, "sizes": plan["sizes"],
            "patience_updates": plan["patience_updates"],
            "patience_epochs": {str(s): patience_epochs(s) for s in plan["sizes"]},
            "runs": runs}


def prepare(budget):
    train_wires, test_wires = lm.load_wires()
    data = lm.splits(train_wires, test_wires, validation_windows=budget["validation_windows"],
                     test_windows=budget["test_windows"])
    units = lm.matched_sizes()
    return data, {kind: units[kind] for kind in lm.KINDS}


def epochs_total(sizes, budget, kinds):
    return sum(epochs_for(s, budget) for s in sizes) * len(budget["seeds"]) * len(kinds)


def run(budget, out):
    started = time.perf_counter()
    info = environment(ROOT)
    data, kinds = prepare(budget)
    largest, first_seed = budget["sizes"][-1], budget["seeds"][0]
    progress = Progress(epochs_total(budget["sizes"] + budget["follow_up"]["sizes"], budget,
                                     kinds))
    runs, kept = train_grid(budget["sizes"], budget["seeds"], budget, data, kinds,
                            patience_epochs=lambda size: budget["patience"], progress=progress,
                            keep=lambda size, seed: (size, seed) == (largest, first_seed))
    kind = min(kept, key=lambda k: kept[k][0])
    best, units, weights = kept[kind]
    generator = {"kind": kind, "size": largest, "seed": first_seed, "units": units,
                 "validation_loss": best, "weights": encode_weights(weights)}
    main_seconds = round(time.perf_counter() - started, 1)
    followed = follow_up(budget, data, kinds, progress)
    info["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results = {
        "about": "Written by tools/language_model.py: word-level language models on Keras' "
                 "Reuters newswires, seed 001's GRU-vs-LSTM claim. Losses are mean "
                 "cross-entropies in nats per word (perplexity = exp(loss)); seconds are "
                 "wall-clock seconds of each epoch's training steps (train_on_batch) on a "
                 "machine whose cores other jobs shared.",
        "quick": budget is QUICK,
        **info,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "main_grid_seconds": main_seconds,
        "settings": settings_of(budget, kinds),
        "rules": lmr.rules(),
        "data": data_summary(data, budget),
        "runs": runs,
        "generator": generator,
        "follow_up": followed,
    }
    write(results, out)


def settings_of(budget, kinds):
    return {"vocabulary": lm.VOCABULARY, "timesteps": lm.TIMESTEPS,
            "embedding_dim": lm.EMBEDDING_DIM, "batch_size": lm.BATCH_SIZE,
            "learning_rate": lm.LEARNING_RATE, "validation_wires": lm.VALIDATION_WIRES,
            "units": kinds, "params": {k: lm.model_params(k, u) for k, u in kinds.items()},
            "epochs": {str(s): epochs_for(s, budget) for s in budget["sizes"]},
            "pilot": PILOT, **{k: v for k, v in budget.items() if k != "follow_up"}}


def data_summary(data, budget):
    return {"train_windows_available": int(len(data["train"][0])),
            "oov_fraction": {name: lm.oov_fraction(pair[1]) for name, pair in data.items()},
            "unigram_validation_perplexity": {
                str(s): lm.unigram_perplexity(data["train"][1][:s], data["validation"][1])
                for s in budget["sizes"]}}


def write(results, out):
    lmr.check(results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nwrote {out} in {results['wall_seconds'] / 60:.1f} minutes", file=sys.stderr)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a tiny budget that exercises every part (requires --out)")
    parser.add_argument("--out", type=Path, help=f"where to write (default: {OUTPUT})")
    args = parser.parse_args(argv)
    if args.quick:
        if args.out is None:
            parser.error("--quick needs --out: a quick run never writes into data/")
        if args.out.resolve().parent == DATA.resolve():
            parser.error(f"--quick must not write into {DATA}; give --out another folder")
    run(QUICK if args.quick else FULL, args.out or OUTPUT)


if __name__ == "__main__":
    main()
