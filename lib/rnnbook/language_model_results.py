"""The stored language-model runs (``data/language_model.json``): loaders, verdict rules, figure.

``tools/language_model.py`` writes the file; the chapter "Predicting the next word" reads it
only through the functions here, and the quick-mode test calls every one of them on a file
the quick mode wrote, so a file the script writes is a file the chapter can show.

The rules that turn the runs into verdicts on seed 001's claim were written here before the
runs (the file records the commit it ran from):

**"GRUs train faster."** For each training-set size and seed the GRU and the LSTM are
compared twice.

- *Time per epoch*: the ratio of the GRU's to the LSTM's **minimum** seconds of an epoch's
  training steps over the
  epochs after the first (the first includes building the graph; on a shared machine the
  minimum is the epoch least disturbed by other jobs). The models were trained in turn, one
  epoch each, so both were timed under the same load.
- *Time to a validation perplexity*: the threshold is :data:`THRESHOLD_MARGIN` times the
  higher of the two models' best validation perplexities (a level both reach); each model's
  seconds to reach it are the epochs it needed times its minimum seconds per epoch.

Each measure's ratios are summarised by their median over all sizes and seeds; a median
within :data:`SPEED_BAND` of 1 means "as fast" (the band is the equivalence margin stated
in advance), below it "faster", above it "slower". Verdict: **holds** if the GRU is faster by
both measures, **partly** if by one, **wrong** if by neither.

**"GRUs perform better than LSTMs on less training data."** At each size, the paired
per-seed difference of test perplexities (each run with its best-validation weights), as
a fraction of the GRU's: the GRU is better at that size if it is lower in every seed and
by more than :data:`QUALITY_BAND` on average, the LSTM likewise, else neither. "Less data"
is every size but the largest. Verdict: **holds** if the GRU is better at every smaller
size, **wrong** if at none, **partly** otherwise.
"""

import base64
import json
import math
from pathlib import Path

import numpy as np

#: Median speed ratios within this fraction of 1 count as "as fast" (equivalence band).
SPEED_BAND = 0.10
#: The time-to-threshold target: this factor times the worse of the two best perplexities.
THRESHOLD_MARGIN = 1.05
#: A mean paired test-perplexity difference below this fraction counts as no difference.
QUALITY_BAND = 0.01
KINDS = ("SimpleRNN", "LSTM", "GRU")
#: Keys every results file has (``check`` tests them). The follow-up is optional: a file
#: whose main grid ran before the follow-up was part of the script has none.
REQUIRED = ("command", "commit", "versions", "machine", "wall_seconds", "settings", "rules",
            "data", "runs", "generator")
RUN_KEYS = ("kind", "size", "seed", "units", "params", "epoch_seconds", "train_loss",
            "validation_loss", "position", "best_epoch", "stopped_early", "test_loss")


def rules():
    """The rule constants, as stored in the results file beside the runs."""
    return {"speed_band": SPEED_BAND, "threshold_margin": THRESHOLD_MARGIN,
            "quality_band": QUALITY_BAND,
            "epoch_statistic": "minimum seconds of an epoch's training steps, after the "
                               "first epoch"}


def check(results):
    """Raise ``ValueError`` naming what is missing if ``results`` is not a complete file."""
    missing = [k for k in REQUIRED if k not in results]
    if missing:
        raise ValueError(f"results file lacks {missing}; rerun tools/language_model.py")
    if not results["runs"]:
        raise ValueError("results file holds no runs")
    for run in results["runs"]:
        lacking = [k for k in RUN_KEYS if k not in run]
        if lacking:
            raise ValueError(f"run {run.get('kind')}/{run.get('size')}/{run.get('seed')} "
                             f"lacks {lacking}")
    _check_grid(results, results["settings"]["sizes"])
    if "follow_up" in results:
        _check_grid(follow_up(results), results["follow_up"]["sizes"], "follow-up: ")
    return results


def _check_grid(results, sizes, what=""):
    for kind in KINDS:
        for size in sizes:
            for seed in results["settings"]["seeds"]:
                if len(runs(results, kind, size, seed)) != 1:
                    raise ValueError(f"{what}expected one run of {kind} at size {size}, "
                                     f"seed {seed}")


def follow_up(results):
    """The follow-up (the smallest size again, patience counted in updates) as a results dict
    that the functions here accept: its runs, its sizes, the main grid's seeds and data."""
    part = results["follow_up"]
    return {"settings": dict(results["settings"], sizes=part["sizes"]), "runs": part["runs"],
            "data": results["data"], "why": part["why"],
            "patience_epochs": part["patience_epochs"]}


def load(path=None):
    """The checked results: ``data/language_model.json`` (through :mod:`rnnbook.results`), or
    the file at ``path``."""
    if path is None:
        from rnnbook import results as stored

        return check(stored.load("language_model"))
    return check(json.loads(Path(path).read_text()))


def runs(results, kind=None, size=None, seed=None):
    """The runs of one kind, size or seed (any left ``None`` matches all)."""
    return [r for r in results["runs"]
            if (kind is None or r["kind"] == kind) and (size is None or r["size"] == size)
            and (seed is None or r["seed"] == seed)]


def one_run(results, kind, size, seed):
    (run,) = runs(results, kind, size, seed)
    return run


def validation_perplexity(run):
    """Validation perplexity after each epoch of a run (a list)."""
    return [math.exp(loss) for loss in run["validation_loss"]]


def best_validation_perplexity(run):
    return math.exp(min(run["validation_loss"]))


def test_perplexity(run):
    """Test perplexity with the run's best-validation weights."""
    return math.exp(run["test_loss"])


def min_epoch_seconds(run):
    """The least seconds of an epoch's training steps, after the first epoch (the first, if
    it is the only one)."""
    seconds = run["epoch_seconds"]
    return min(seconds[1:]) if len(seconds) > 1 else seconds[0]


def epochs_to(run, threshold):
    """The first epoch (1-based) whose validation perplexity is at most ``threshold``, or None."""
    for epoch, value in enumerate(validation_perplexity(run), 1):
        if value <= threshold:
            return epoch
    return None


def call(ratio, band=SPEED_BAND):
    """``"faster"``, ``"as fast"`` or ``"slower"`` for a time ratio (GRU over LSTM)."""
    if ratio < 1 - band:
        return "faster"
    return "slower" if ratio > 1 + band else "as fast"


def speed_table(results, kind="GRU", baseline="LSTM"):
    """One row per size and seed: the two speed measures of ``kind`` against ``baseline``."""
    rows = []
    for size in results["settings"]["sizes"]:
        for seed in results["settings"]["seeds"]:
            mine, theirs = one_run(results, kind, size, seed), one_run(results, baseline, size,
                                                                       seed)
            threshold = THRESHOLD_MARGIN * max(best_validation_perplexity(mine),
                                               best_validation_perplexity(theirs))
            reach = {name: epochs_to(run, threshold) for name, run in
                     ((kind, mine), (baseline, theirs))}
            seconds = {name: reach[name] * min_epoch_seconds(run) for name, run in
                       ((kind, mine), (baseline, theirs))}
            rows.append({"size": size, "seed": seed, "threshold": threshold,
                         "epoch_seconds": {kind: min_epoch_seconds(mine),
                                           baseline: min_epoch_seconds(theirs)},
                         "epoch_ratio": min_epoch_seconds(mine) / min_epoch_seconds(theirs),
                         "epochs_to_threshold": reach, "seconds_to_threshold": seconds,
                         "reach_ratio": seconds[kind] / seconds[baseline]})
    return rows


def faster_verdict(results):
    """The verdict on "GRUs train faster" and the two medians behind it (see the module)."""
    rows = speed_table(results)
    medians = {"epoch": float(np.median([r["epoch_ratio"] for r in rows])),
               "reach": float(np.median([r["reach_ratio"] for r in rows]))}
    calls = {name: call(value) for name, value in medians.items()}
    faster = sum(c == "faster" for c in calls.values())
    verdict = "holds" if faster == 2 else "partly" if faster == 1 else "wrong"
    return verdict, {"medians": medians, "calls": calls}


def quality_table(results, kind="GRU", baseline="LSTM"):
    """Per size: each seed's test perplexities and the paired difference, as a fraction of
    ``kind``'s (positive: ``kind`` is better), and which model is better by the rule."""
    table = []
    for size in results["settings"]["sizes"]:
        seeds = results["settings"]["seeds"]
        mine = [test_perplexity(one_run(results, kind, size, s)) for s in seeds]
        theirs = [test_perplexity(one_run(results, baseline, size, s)) for s in seeds]
        differences = [b / a - 1 for a, b in zip(mine, theirs, strict=True)]
        mean = float(np.mean(differences))
        if all(d > 0 for d in differences) and mean > QUALITY_BAND:
            better = kind
        elif all(d < 0 for d in differences) and mean < -QUALITY_BAND:
            better = baseline
        else:
            better = None
        table.append({"size": size, "seeds": list(seeds), kind: mine, baseline: theirs,
                      "differences": differences, "mean_difference": mean, "better": better})
    return table


def less_data_verdict(results):
    """The verdict on "GRUs perform better on less training data" (see the module)."""
    table = quality_table(results)
    smaller = table[:-1] if len(table) > 1 else table
    wins = sum(row["better"] == "GRU" for row in smaller)
    verdict = "holds" if wins == len(smaller) else "wrong" if wins == 0 else "partly"
    return verdict, {"smaller_sizes": [row["size"] for row in smaller], "gru_better": wins}


def generator_weights(results):
    """The stored model's weights, float32 arrays in ``model.get_weights()`` order."""
    return [np.frombuffer(base64.b64decode(w["float32_base64"]), dtype="<f4")
            .reshape(w["shape"]).astype(np.float32) for w in results["generator"]["weights"]]


def generator_model(results):
    """A Keras model with the stored weights (the best-validation model at the largest size)."""
    from rnnbook import language_model as lm

    info = results["generator"]
    settings = results["settings"]
    model = lm.build_model(info["kind"], info["units"], vocabulary=settings["vocabulary"],
                           embedding_dim=settings["embedding_dim"])
    model.set_weights(generator_weights(results))
    return model


# ---- the figure ------------------------------------------------------------------------------

#: One style per cell, so the figure does not depend on colour alone.
STYLES = {"SimpleRNN": {"color": "#E69F00", "linestyle": ":", "marker": "s"},
          "LSTM": {"color": "#0072B2", "linestyle": "--", "marker": "o"},
          "GRU": {"color": "#009E73", "linestyle": "-", "marker": "^"}}


def curves_figure(results):
    """Validation perplexity by epoch, one panel per training-set size (stacked, each with its
    own epochs): every seed's curve, its best epoch marked, and the unigram baseline dashed."""
    from rnnbook.plots import panels

    sizes = results["settings"]["sizes"]
    # the sizes stop after different numbers of epochs: a shared axis would squash the shortest
    fig, axes = panels(len(sizes), height=2.6, sharex=False)
    for ax, size in zip(axes, sizes, strict=True):
        for kind in KINDS:
            style = STYLES[kind]
            for number, run in enumerate(runs(results, kind, size)):
                values = validation_perplexity(run)
                epochs = np.arange(1, len(values) + 1)
                ax.plot(epochs, values, color=style["color"], linestyle=style["linestyle"],
                        linewidth=1.2, label=kind if number == 0 else None)
                best = run["best_epoch"]
                ax.plot([best], [values[best - 1]], linestyle="none", marker=style["marker"],
                        color=style["color"], markeredgecolor="white", markersize=7)
        unigram = results["data"]["unigram_validation_perplexity"][str(size)]
        ax.axhline(unigram, color="0.35", linestyle=(0, (6, 3)), linewidth=1,
                   label="unigram counts")
        ax.set_yscale("log")
        ax.set_title(f"{size:,} training windows")
        ax.set_xlabel("epoch")
    fig.supylabel("validation perplexity (log scale)", fontsize=11)
    axes[0].legend(fontsize=8, frameon=False)
    return fig
