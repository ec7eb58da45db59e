"""Read, summarise and draw the stored results of ``tools/articles_experiments.py``.

The script writes ``data/articles_experiments.json``: for each part (``article``,
``better``, ``learning_curve``, ``tagging``) a list of runs, one per model and seed (and
training-set size), each with per-epoch ``loss``, ``accuracy`` and ``epoch_seconds`` and
test metrics at the epochs listed in ``eval_epochs``. Everything here is a pure function
of that file, so the chapter's tables and figures are the same on every run.
"""

import json
from html import escape
from pathlib import Path

import numpy as np

from rnnbook import svg
from rnnbook.explorer import Choice, Explorer
from rnnbook.plots import OKABE_ITO

#: The stored results, relative to the project's root.
RESULTS = Path(__file__).resolve().parents[2] / "data" / "articles_experiments.json"
PARTS = ("article", "better", "learning_curve", "tagging")
#: One colour per model, the same in every figure.
COLORS = {"SimpleRNN": OKABE_ITO[0], "LSTM": OKABE_ITO[4], "GRU": OKABE_ITO[2],
          "Embedding+LSTM": OKABE_ITO[4], "Embedding+GRU": OKABE_ITO[2],
          "Embedding+BiLSTM": OKABE_ITO[6], "Bag of words+Dense": OKABE_ITO[5]}


def load_results(path=RESULTS):
    """The results file as a dict; raises ``FileNotFoundError`` with the command to make it."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make experiments` to create it")
    return json.loads(path.read_text())


def runs(results, part, *, model=None, seed=None, train_size=None):
    """The runs of one part, optionally only one model, seed or training-set size."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}; got {part!r}")
    return [r for r in results[part]
            if (model is None or r["model"] == model) and (seed is None or r["seed"] == seed)
            and (train_size is None or r.get("train_size") == train_size)]


def final(run, metric):
    """A run's metric at its last epoch (test metrics: at the last evaluation)."""
    if metric not in run:
        raise KeyError(f"no metric {metric!r} in this run; it has "
                       f"{sorted(k for k, v in run.items() if isinstance(v, list))}")
    return run[metric][-1]


def spread(values):
    """``(mean, sample standard deviation, min, max)`` of the values (sd 0 for one value)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        raise ValueError("no values")
    sd = float(values.std(ddof=1)) if values.size > 1 else 0.0
    return float(values.mean()), sd, float(values.min()), float(values.max())


def summary(results, part, metrics=("test_accuracy", "test_loss"), *, train_size=None):
    """One row per model: seeds, parameters and ``spread`` of each metric's final value.

    Returns a list of dicts ``{"model", "seeds", "params", metric: (mean, sd, min, max)}``
    in the order the models first appear.
    """
    selected = runs(results, part, train_size=train_size)
    models = list(dict.fromkeys(r["model"] for r in selected))
    rows = []
    for model in models:
        mine = [r for r in selected if r["model"] == model]
        row = {"model": model, "seeds": len(mine), "params": mine[0]["params"]}
        for metric in metrics:
            row[metric] = spread([final(r, metric) for r in mine])
        rows.append(row)
    return rows


def format_summary(rows, metrics=("test_accuracy", "test_loss"), digits=3):
    """``summary`` rows as a fixed-width text table: mean ± sd [min, max] per metric."""
    header = f"{'model':<20}{'seeds':>6}{'params':>10}" + "".join(
        f"  {m:<30}" for m in metrics)
    lines = [header]
    for row in rows:
        cells = []
        for metric in metrics:
            mean, sd, low, high = row[metric]
            cells.append(f"  {mean:.{digits}f} ± {sd:.{digits}f} "
                         f"[{low:.{digits}f}, {high:.{digits}f}]".ljust(32))
        lines.append(f"{row['model']:<20}{row['seeds']:>6}{row['params']:>10,}" + "".join(cells))
    return "\n".join(lines)


def seconds_per_epoch(run):
    """Median seconds per epoch, leaving out the first (it includes tracing the graph)."""
    times = run["epoch_seconds"][1:] or run["epoch_seconds"]
    return float(np.median(times))


def speed_ratio(results, part, model, baseline, *, train_size=None):
    """``model``'s seconds per epoch over ``baseline``'s, per seed (trained side by side).

    Returns a dict seed -> ratio; below 1 means ``model`` trains an epoch faster.
    """
    ratios = {}
    for run in runs(results, part, model=model, train_size=train_size):
        other = runs(results, part, model=baseline, seed=run["seed"], train_size=train_size)
        if other:
            ratios[run["seed"]] = seconds_per_epoch(run) / seconds_per_epoch(other[0])
    if not ratios:
        raise ValueError(f"no runs of both {model!r} and {baseline!r} in {part!r}")
    return ratios


def learning_curve(results, model, metric="test_accuracy"):
    """Training-set sizes and ``spread`` of ``model``'s final metric at each size.

    The full training set comes from the ``better`` part (same model, seeds and budget).
    Returns ``(sizes, rows)`` with ``rows[i] = (mean, sd, min, max)``.
    """
    by_size = {}
    for run in runs(results, "learning_curve", model=model):
        by_size.setdefault(run["train_size"], []).append(final(run, metric))
    full = runs(results, "better", model=model)
    if full:
        by_size[full[0]["train_size"]] = [final(r, metric) for r in full]
    sizes = sorted(by_size)
    return sizes, [spread(by_size[s]) for s in sizes]


# ---- figures ---------------------------------------------------------------------------------

def _mean_curve(selected, key, epochs_key=None):
    curves = np.array([r[key] for r in selected], dtype=float)
    epochs = selected[0][epochs_key] if epochs_key else list(range(1, curves.shape[1] + 1))
    return np.asarray(epochs), curves.mean(0), curves.min(0), curves.max(0)


def curves_figure(results):
    """Three panels: the article's models, the better models (test accuracy by epoch, mean
    over seeds with min-max band) and GRU vs LSTM test accuracy by training-set size."""
    import matplotlib.pyplot as plt

    majority = results["reuters"]["majority_accuracy"]
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.6), sharey=True)
    legend = {"fontsize": 8, "loc": "upper center", "bbox_to_anchor": (0.5, -0.2), "ncol": 2,
              "frameon": False}
    for ax, part, title in ((axes[0], "article", "Seed 000's models (word index as a number)"),
                            (axes[1], "better", "Word identities: embeddings, bag of words")):
        for model in dict.fromkeys(r["model"] for r in results[part]):
            selected = runs(results, part, model=model)
            epochs, mean, low, high = _mean_curve(selected, "test_accuracy", "eval_epochs")
            ax.plot(epochs, mean, color=COLORS[model], label=model, lw=2)
            ax.fill_between(epochs, low, high, color=COLORS[model], alpha=0.25, lw=0)
        ax.axhline(majority, color="0.4", ls="--", lw=1, label="always the commonest topic")
        ax.set(title=title, xlabel="epoch")
        ax.title.set_fontsize(10)
        ax.legend(**legend)
    ax = axes[2]
    for model, marker in (("Embedding+LSTM", "o"), ("Embedding+GRU", "s")):
        sizes, rows = learning_curve(results, model)
        rows = np.array(rows)
        ax.errorbar(sizes, rows[:, 0], yerr=[rows[:, 0] - rows[:, 2], rows[:, 3] - rows[:, 0]],
                    color=COLORS[model], marker=marker, capsize=3, lw=2, label=model)
    ax.axhline(majority, color="0.4", ls="--", lw=1, label="always the commonest topic")
    ax.set(title="Less training data: GRU vs LSTM (10 epochs)", xlabel="training wires",
           xscale="log")
    ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.minorticks_off()
    ax.title.set_fontsize(10)
    ax.legend(**legend)
    axes[0].set_ylabel("test accuracy")
    fig.tight_layout()
    return fig


def tagging_figure(results):
    """Seed 001's taggers: training loss and test frame-level F1 by epoch."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    for model in dict.fromkeys(r["model"] for r in results["tagging"]):
        selected = runs(results, "tagging", model=model)
        epochs, mean, _, _ = _mean_curve(selected, "loss")
        axes[0].plot(epochs, mean, color=COLORS[model], lw=2, label=model)
        epochs, mean, _, _ = _mean_curve(selected, "test_f1", "eval_epochs")
        axes[1].plot(epochs, mean, color=COLORS[model], lw=2, marker="o", ms=3, label=model)
    axes[0].set(xlabel="epoch", ylabel="training loss (binary cross-entropy)")
    axes[1].set(xlabel="epoch", ylabel="test frame-level F1 (micro)", ylim=(0, 1))
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    return fig


# ---- the explorer ----------------------------------------------------------------------------

def run_summary(results, part, model, seed):
    """One line about a stored run: budget, final numbers and seconds per epoch."""
    found = runs(results, part, model=model, seed=seed)
    if not found:
        seeds = sorted({r["seed"] for r in runs(results, part, model=model)})
        return f"No stored run of {model} with seed {seed}: this part ran seeds {seeds}."
    run = found[0]
    epochs = len(run["loss"])
    if part == "tagging":
        score = f"test frame-level F1 {final(run, 'test_f1'):.3f}"
    else:
        score = (f"test accuracy {final(run, 'test_accuracy'):.3f}, "
                 f"test loss {final(run, 'test_loss'):.3f}")
    return (f"{model}, seed {seed}: {epochs} epochs, {run['params']:,} parameters; {score}; "
            f"{seconds_per_epoch(run):.2f} s per epoch (median, shared machine).")


#: The explorer's runs: label -> (part, model).
EXPLORER_RUNS = {
    "seed 000: SimpleRNN(50)": ("article", "SimpleRNN"),
    "seed 000: LSTM(50)": ("article", "LSTM"),
    "Embedding + LSTM": ("better", "Embedding+LSTM"),
    "Embedding + GRU": ("better", "Embedding+GRU"),
    "Embedding + bidirectional LSTM": ("better", "Embedding+BiLSTM"),
    "Bag of words + Dense": ("better", "Bag of words+Dense"),
    "seed 001 tagger: SimpleRNN": ("tagging", "SimpleRNN"),
    "seed 001 tagger: LSTM": ("tagging", "LSTM"),
    "seed 001 tagger: GRU": ("tagging", "GRU"),
}


def results_view(run="seed 000: LSTM(50)", seed=0, results=None):
    """The explorer's view of one stored run: training loss and the test metric by epoch."""
    results = results if results is not None else load_results()
    if run not in EXPLORER_RUNS:
        raise ValueError(f"run must be one of {list(EXPLORER_RUNS)}; got {run!r}")
    part, model = EXPLORER_RUNS[run]
    found = runs(results, part, model=model, seed=seed)
    text = f"<p>{escape(run_summary(results, part, model, seed))}</p>"
    if not found:
        return text
    record = found[0]
    epochs = list(range(1, len(record["loss"]) + 1))
    loss_top = float(np.ceil(max(record["loss"]) * 2) / 2)
    metric = "test_f1" if part == "tagging" else "test_accuracy"
    test_series = {("test frame F1" if part == "tagging" else "test accuracy"):
                   (record["eval_epochs"], record[metric]),
                   ("training accuracy" if part != "tagging" else "training frame accuracy"):
                   (epochs, record["accuracy"])}
    if part != "tagging":
        test_series["commonest topic"] = (epochs, [results["reuters"]["majority_accuracy"]]
                                          * len(epochs))
    loss_series = {"training loss": (epochs, record["loss"])}
    if "test_loss" in record:
        loss_series["test loss"] = (record["eval_epochs"], record["test_loss"])
        loss_top = max(loss_top, float(np.ceil(max(record["test_loss"]) * 2) / 2))
    panels = []
    for title, series, ylim in ((f"{run}, seed {seed}: loss", loss_series, (0, loss_top)),
                                ("accuracy and score", test_series, (0, 1))):
        colors = {label: OKABE_ITO[(4, 5, 2, 0)[i % 4]] for i, label in enumerate(series)}
        panels.append(svg.line_panel(series, title=title, ylim=ylim, xlabel="epoch",
                                     height=170, legend_width=150, colors=colors))
    chart = svg.stack(panels, height=170, label=(
        f"{run}, seed {seed}: loss (top), accuracy and score (bottom) by epoch."))
    return chart + text


def results_explorer(results=None):
    """The chapter's explorer: pick a stored run and a seed, see its curves."""
    results = results if results is not None else load_results()

    def view(run, seed):
        return results_view(run, seed, results)

    return Explorer(view, [
        Choice("run", "run:", {label: label for label in EXPLORER_RUNS},
               default="seed 000: LSTM(50)"),
        Choice("seed", "seed:", {"0": 0, "1": 1, "2": 2}, default=0),
    ], title="The stored experiments: pick a model and a seed")


def _verdict(wins):
    """'held' if every comparison went the claim's way, 'did not hold' if none did."""
    if all(wins):
        return "held"
    return "did not hold" if not any(wins) else "mixed"


def claim_verdicts(results):
    """Seed 001's GRU-vs-LSTM claims against the stored runs: claim -> verdict string.

    - fewer parameters: the GRU tagger and the Embedding + GRU model against their LSTMs;
    - faster: every per-seed ratio of seconds per epoch (:func:`speed_ratio`) below 1;
    - better on less data: the GRU's mean test accuracy above (test loss below) the LSTM's at
      every training-set size smaller than the full one (:func:`learning_curve`);
    - longer memory: not tested by these tasks.
    """
    counts = {(part, r["model"]): r["params"] for part in ("tagging", "better")
              for r in results[part]}
    fewer = [counts[("tagging", "GRU")] < counts[("tagging", "LSTM")],
             counts[("better", "Embedding+GRU")] < counts[("better", "Embedding+LSTM")]]
    ratios = [*speed_ratio(results, "better", "Embedding+GRU", "Embedding+LSTM").values(),
              *speed_ratio(results, "tagging", "GRU", "LSTM").values()]
    smaller = {}
    for metric, better in (("test_accuracy", np.greater), ("test_loss", np.less)):
        sizes, gru = learning_curve(results, "Embedding+GRU", metric)
        _, lstm = learning_curve(results, "Embedding+LSTM", metric)
        smaller[metric] = [bool(better(g[0], m[0])) for n, g, m in zip(sizes, gru, lstm,
                                                                       strict=True)
                           if n < max(sizes)]
    return {
        "GRUs have fewer parameters": _verdict(fewer),
        "GRUs train faster (time per epoch)": _verdict([r < 1 for r in ratios]),
        "GRUs do better on less data (test accuracy)": _verdict(smaller["test_accuracy"]),
        "GRUs do better on less data (test loss)": _verdict(smaller["test_loss"]),
        "LSTMs remember longer": "not tested here (see the forgetting chapter)",
    }
