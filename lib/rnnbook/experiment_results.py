"""Read, summarise, compare and draw the stored results of ``tools/articles_experiments.py``.

The script writes ``data/articles_experiments.json``: for each part (``article``,
``better``, ``learning_curve``, ``tagging``, and ``first_tagging["runs"]``) a list of runs,
one per model and seed (and training-set size), each with per-epoch ``loss``,
``epoch_seconds`` and a training accuracy, and held-out metrics at the epochs listed in
``eval_epochs`` (Reuters: ``test_*``; taggers: ``val_*`` every epoch, ``test_*`` at
``test_epochs``); ``timing`` holds the interleaved step timings. Everything here is a pure
function of that file, so the chapter's tables, verdicts and figures are the same on every
run. The rules behind the verdicts (:data:`SPEED_BAND`, :data:`TAGGING_F1_THRESHOLD`,
:data:`REUTERS_MARGIN`, :func:`gru_trains_faster`, :func:`gru_better_on_less_data`) were
written down before the runs they judge.
"""

import json
from html import escape
from pathlib import Path

import numpy as np

from rnnbook import results as results_files
from rnnbook import svg
from rnnbook.explorer import Choice, Explorer
from rnnbook.plots import OKABE_ITO

#: The results file's name for :func:`rnnbook.results.load`.
NAME = "articles_experiments"
PARTS = ("article", "better", "learning_curve", "first_tagging", "tagging")
#: The per-frame baseline and the word-order control, by their names in the file.
DENSE_BASELINE = "Dense per frame"
SHUFFLED = "Embedding+GRU, shuffled words"
#: Time ratios (GRU over LSTM) within 1 +- SPEED_BAND count as the same speed.
SPEED_BAND = 0.10
#: A tagger has learned the task once its validation F1 reaches this.
TAGGING_F1_THRESHOLD = 0.5
#: A tagger has left the all-"no" answer once its validation F1 exceeds this.
LEFT_ALL_NO = 0.1
#: A Reuters model has left the commonest-topic plateau once its test accuracy exceeds the
#: commonest-topic rate by this much.
REUTERS_MARGIN = 0.02
#: One colour per model, the same in every figure (Okabe-Ito, no yellow).
COLORS = {"SimpleRNN": OKABE_ITO[0], "LSTM": OKABE_ITO[4], "GRU": OKABE_ITO[2],
          "Embedding+LSTM": OKABE_ITO[4], "Embedding+GRU": OKABE_ITO[2],
          "Embedding+BiLSTM": OKABE_ITO[6], "Bag of words+Dense": OKABE_ITO[5],
          SHUFFLED: OKABE_ITO[3], DENSE_BASELINE: OKABE_ITO[5]}
MARKERS = {"SimpleRNN": "^", "LSTM": "o", "GRU": "s", "Embedding+LSTM": "o",
           "Embedding+GRU": "s", "Embedding+BiLSTM": "D", "Bag of words+Dense": "v",
           SHUFFLED: "x", DENSE_BASELINE: "v"}
#: What the chapter needs of the file: top-level keys, and keys of every run of a part.
REQUIRED = {"top": ("provenance", "budget", "reuters", "tagging_data", "matched_filter",
                    "timing", "wall_seconds", *PARTS),
            "reuters_run": ("model", "seed", "params", "train_size", "loss", "accuracy",
                            "epoch_seconds", "eval_epochs", "test_loss", "test_accuracy",
                            "test_macro_f1"),
            "tagging_run": ("model", "seed", "params", "dropout", "learning_rate", "loss",
                            "binary_accuracy", "eval_epochs", "val_f1", "val_f1_macro",
                            "val_loss", "positive_fraction_train"),
            "tested_run": ("test_epochs", "test_f1", "test_f1_macro", "test_loss",
                           "test_binary_accuracy", "test_categorical_accuracy")}


def load_results(path=None):
    """The results file as a dict (``data/articles_experiments.json`` unless ``path``);
    raises ``FileNotFoundError`` with the command that makes it."""
    try:
        path = Path(path) if path is not None else results_files.path(NAME)
    except FileNotFoundError as missing:
        raise FileNotFoundError(f"{missing}: run `make experiments` to create it") from None
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make experiments` to create it")
    return json.loads(path.read_text())


def check(results):
    """Raise ``KeyError`` naming what is missing if ``results`` lacks a key the chapter reads;
    return ``results`` otherwise."""
    missing = [key for key in REQUIRED["top"] if key not in results]
    for part in PARTS:
        for run in runs(results, part) if part in results else []:
            needed = REQUIRED["reuters_run"] if part in ("article", "better",
                                                         "learning_curve") else (
                REQUIRED["tagging_run"] + (REQUIRED["tested_run"] if part == "tagging" else ()))
            missing += [f"{part}/{run.get('model')}/{key}" for key in needed if key not in run]
    if missing:
        raise KeyError(f"the results file lacks {missing[:8]}; run `make experiments`")
    return results


def runs(results, part, *, model=None, seed=None, train_size=None):
    """The runs of one part, optionally only one model, seed or training-set size."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}; got {part!r}")
    stored = results[part]["runs"] if part == "first_tagging" else results[part]
    return [r for r in stored
            if (model is None or r["model"] == model) and (seed is None or r["seed"] == seed)
            and (train_size is None or r.get("train_size") == train_size)]


def models(results, part):
    """The models of a part, in the order they were trained."""
    return list(dict.fromkeys(r["model"] for r in runs(results, part)))


def seeds(results, part):
    """The seeds of a part, sorted."""
    return sorted({r["seed"] for r in runs(results, part)})


def final(run, metric):
    """A run's metric at its last epoch (held-out metrics: at their last evaluation)."""
    if metric not in run:
        raise KeyError(f"no metric {metric!r} in this run; it has "
                       f"{sorted(k for k, v in run.items() if isinstance(v, list))}")
    return run[metric][-1]


def at_epoch(run, metric, epoch):
    """A held-out metric at one epoch (``test_*`` of a tagger at its ``test_epochs``,
    anything else at ``eval_epochs``)."""
    epochs = run["test_epochs"] if metric.startswith("test_") and "test_epochs" in run \
        else run["eval_epochs"]
    if epoch not in epochs:
        raise ValueError(f"{metric} was measured at epochs {epochs}, not at {epoch}")
    return run[metric][epochs.index(epoch)]


def per_seed(results, part, metric, *, train_size=None, epoch=None, only=None):
    """``{model: {seed: value}}`` of a metric's final value (or its value at ``epoch``), for
    every model of the part or ``only`` those named."""
    table = {}
    for run in runs(results, part, train_size=train_size):
        if only is not None and run["model"] not in only:
            continue
        value = final(run, metric) if epoch is None else at_epoch(run, metric, epoch)
        table.setdefault(run["model"], {})[run["seed"]] = value
    return table


def params_of(results, part):
    """``{model: parameters}``."""
    return {r["model"]: r["params"] for r in runs(results, part)}


def format_per_seed(table, *, params=None, digits=3, label="model", width=30):
    """``per_seed`` output as a text table: one column per seed, then the mean."""
    all_seeds = sorted({s for values in table.values() for s in values})
    header = f"{label:<{width}}" + (f"{'params':>10}" if params else "") + "".join(
        f"{'seed ' + str(s):>9}" for s in all_seeds) + f"{'mean':>9}"
    lines = [header]
    for name, values in table.items():
        cells = "".join(f"{values[s]:>9.{digits}f}" if s in values else f"{'-':>9}"
                        for s in all_seeds)
        count = f"{params[name]:>10,}" if params else ""
        mean = float(np.mean(list(values.values())))
        lines.append(f"{name:<{width}}{count}{cells}{mean:>9.{digits}f}")
    return "\n".join(lines)


def paired(results, part, model, baseline, metric, *, train_size=None, epoch=None):
    """``[(seed, model's value, baseline's value)]`` for every seed both ran."""
    table = per_seed(results, part, metric, train_size=train_size, epoch=epoch)
    if model not in table or baseline not in table:
        raise ValueError(f"no runs of both {model!r} and {baseline!r} in {part!r}")
    return [(s, table[model][s], table[baseline][s]) for s in sorted(table[model])
            if s in table[baseline]]


def compare_pairs(pairs, *, higher_is_better=True, tie=0.0):
    """Count paired outcomes: ``{"better": n, "tied": n, "worse": n}`` for the first value of
    each pair against the second (``|difference| <= tie`` is a tie)."""
    counts = {"better": 0, "tied": 0, "worse": 0}
    for _, value, other in pairs:
        difference = (value - other) * (1 if higher_is_better else -1)
        counts["tied" if abs(difference) <= tie else "better" if difference > 0 else
               "worse"] += 1
    return counts


def epochs_to(run, metric, threshold):
    """The first evaluated epoch at which ``metric`` reaches ``threshold``; None if never."""
    for epoch, value in zip(run["eval_epochs"], run[metric], strict=True):
        if value >= threshold:
            return epoch
    return None


def epochs_to_table(results, part, metric, threshold, *, train_size=None, model_names=None):
    """``{model: {seed: first epoch at or above threshold, or None}}``."""
    table = {}
    for run in runs(results, part, train_size=train_size):
        if model_names is None or run["model"] in model_names:
            table.setdefault(run["model"], {})[run["seed"]] = epochs_to(run, metric, threshold)
    return table


def step_seconds(results, group, model):
    """The interleaved timing's rounds for one model (seconds to run its batches once)."""
    timing = results["timing"][group]["seconds"]
    if model not in timing:
        raise ValueError(f"no timing of {model!r} in {group!r}; timed: {list(timing)}")
    return timing[model]


def time_ratio(results, group, model, baseline, statistic=min):
    """``model``'s time over ``baseline``'s, from the interleaved rounds (minimum by default:
    the round least disturbed by other jobs)."""
    return statistic(step_seconds(results, group, model)) / statistic(
        step_seconds(results, group, baseline))


def speed_class(ratio, band=SPEED_BAND):
    """``"faster"`` below ``1 - band``, ``"slower"`` above ``1 + band``, else ``"same"``."""
    return "faster" if ratio < 1 - band else "slower" if ratio > 1 + band else "same"


def left_plateau_epochs(results, part, model_names, *, train_size=None):
    """Reuters: the first epoch each run's test accuracy exceeds the commonest-topic rate by
    :data:`REUTERS_MARGIN` (None if never)."""
    threshold = results["reuters"]["majority_accuracy"] + REUTERS_MARGIN
    return epochs_to_table(results, part, "test_accuracy", threshold, train_size=train_size,
                           model_names=model_names)


def _sooner(epochs, other, horizon):
    """-1, 0 or 1: whether ``epochs`` came sooner than ``other`` (None: after the horizon)."""
    a = horizon + 1 if epochs is None else epochs
    b = horizon + 1 if other is None else other
    return (a < b) - (a > b)


def gru_trains_faster(results):
    """Seed 001's "GRUs train faster", measured in two senses, and the rule's verdict.

    - time per step: GRU over LSTM from the interleaved rounds (:func:`time_ratio`), on
      Reuters (Embedding + GRU / + LSTM) and for the taggers, each classed by
      :func:`speed_class`;
    - epochs to learn, paired by seed: Reuters, the first epoch past the commonest-topic
      plateau (:func:`left_plateau_epochs`); taggers, the first epoch with validation F1 at
      :data:`TAGGING_F1_THRESHOLD` (a run that never gets there counts as one epoch later
      than its budget).

    The verdict: ``"holds"`` if the GRU is faster per step in both comparisons *and* sooner
    in every pair; ``"wrong"`` if it is faster per step in neither and sooner in no pair;
    ``"partly"`` otherwise.
    """
    ratios = {"reuters": time_ratio(results, "reuters", "Embedding+GRU", "Embedding+LSTM"),
              "tagging": time_ratio(results, "tagging", "GRU", "LSTM")}
    classes = {group: speed_class(r) for group, r in ratios.items()}
    reuters = left_plateau_epochs(results, "better", ["Embedding+GRU", "Embedding+LSTM"])
    taggers = epochs_to_table(results, "tagging", "val_f1", TAGGING_F1_THRESHOLD,
                              model_names=["GRU", "LSTM"])
    sooner = []
    for table, gru, lstm, part in ((reuters, "Embedding+GRU", "Embedding+LSTM", "better"),
                                   (taggers, "GRU", "LSTM", "tagging")):
        horizon = results["budget"][part]["epochs"]
        sooner += [_sooner(table[gru][s], table[lstm][s], horizon) for s in sorted(table[gru])]
    faster_steps = [c == "faster" for c in classes.values()]
    if all(faster_steps) and all(s > 0 for s in sooner):
        verdict = "holds"
    elif not any(faster_steps) and not any(s > 0 for s in sooner):
        verdict = "wrong"
    else:
        verdict = "partly"
    return {"ratios": ratios, "classes": classes, "reuters_epochs": reuters,
            "tagging_epochs": taggers, "sooner": sooner, "verdict": verdict}


def gru_better_on_less_data(results):
    """Seed 001's "perform better than LSTMs on less training data", paired by seed.

    At every training-set size smaller than the full one (:func:`learning_pairs`): the
    GRU's test loss against the LSTM's, and its accuracy and macro-F1, pair by pair (same
    seed, same wires). Accuracy and macro-F1 ties count as ties, not losses.

    The verdict: ``"holds"`` if the GRU's test loss is lower in every pair and its accuracy
    and macro-F1 are never lower; ``"wrong"`` if its test loss is lower in at most half of
    the pairs; ``"partly"`` otherwise.
    """
    sizes = [n for n in learning_sizes(results) if n < results["reuters"]["train"]]
    found = {}
    for metric, higher in (("test_loss", False), ("test_accuracy", True),
                           ("test_macro_f1", True)):
        pairs = [pair for n in sizes for pair in learning_pairs(results, n, metric)]
        found[metric] = compare_pairs(pairs, higher_is_better=higher)
    loss = found["test_loss"]
    total = sum(loss.values())
    never_lower = all(found[m]["worse"] == 0 for m in ("test_accuracy", "test_macro_f1"))
    if loss["better"] == total and never_lower:
        verdict = "holds"
    elif loss["better"] <= total / 2:
        verdict = "wrong"
    else:
        verdict = "partly"
    return {"sizes": sizes, "counts": found, "verdict": verdict}


def learning_sizes(results):
    """Training-set sizes of the learning curve, with the full set (from ``better``)."""
    return sorted({r["train_size"] for r in runs(results, "learning_curve")}
                  | {r["train_size"] for r in runs(results, "better", model="Embedding+GRU")})


def _size_part(results, size):
    return "better" if size == results["reuters"]["train"] else "learning_curve"


def learning_pairs(results, size, metric, model="Embedding+GRU", baseline="Embedding+LSTM"):
    """Paired (seed, GRU, LSTM) values at one training-set size (the full set from
    ``better``, the same models, seeds and budget)."""
    return paired(results, _size_part(results, size), model, baseline, metric,
                  train_size=size)


def size_values(results, model, size, metric="test_accuracy"):
    """``{seed: value}`` of one model's final metric at one training-set size."""
    return per_seed(results, _size_part(results, size), metric, train_size=size)[model]


def bag_of_words_beats_recurrent(results, metric="test_accuracy"):
    """Whether the bag of words scores above every recurrent model of the same seed, in every
    seed, on the article's split; returns ``(verdict bool, {seed: margin over the best
    recurrent model})``."""
    table = per_seed(results, "better", metric)
    recurrent = [m for m in table if m.startswith("Embedding") and m != SHUFFLED]
    margins = {s: table["Bag of words+Dense"][s] - max(table[m][s] for m in recurrent)
               for s in table["Bag of words+Dense"]}
    return all(v > 0 for v in margins.values()), margins


# ---- figures ---------------------------------------------------------------------------------

def _per_seed_lines(ax, selected, key, epochs_key, color, marker, label):
    for index, run in enumerate(selected):
        epochs = run[epochs_key] if epochs_key else list(range(1, len(run[key]) + 1))
        ax.plot(epochs, run[key], color=color, lw=1.5, marker=marker, ms=3,
                markevery=max(1, len(epochs) // 8), label=label if index == 0 else None,
                alpha=0.9)


def curves_figure(results):
    """Three panels stacked, every seed its own line: the article's models and the better
    models (test accuracy by epoch) and GRU vs LSTM by training-set size (one marker per
    seed, the line through the means)."""
    from rnnbook.plots import panels

    majority = results["reuters"]["majority_accuracy"]
    fig, axes = panels(3, height=3.1, sharex=False, sharey=True)
    legend = {"fontsize": 8, "loc": "upper center", "bbox_to_anchor": (0.5, -0.2), "ncol": 2,
              "frameon": False}
    for ax, part, title in ((axes[0], "article", "Seed 000's models (word index as a number)"),
                            (axes[1], "better", "Word identities: embeddings, bag of words")):
        for model in models(results, part):
            _per_seed_lines(ax, runs(results, part, model=model), "test_accuracy",
                            "eval_epochs", COLORS[model], MARKERS[model], model)
        ax.axhline(majority, color="0.3", ls="--", lw=1, label="always the commonest topic")
        ax.set(title=title, xlabel="epoch")
        ax.title.set_fontsize(10)
        ax.legend(**legend)
    ax = axes[2]
    sizes = learning_sizes(results)
    for model, style in (("Embedding+LSTM", "-"), ("Embedding+GRU", "--")):
        means = []
        for n in sizes:
            values = list(size_values(results, model, n).values())
            ax.scatter([n] * len(values), values, color=COLORS[model], marker=MARKERS[model],
                       s=24, zorder=3)
            means.append(np.mean(values))
        ax.plot(sizes, means, color=COLORS[model], ls=style, lw=2, marker=MARKERS[model],
                label=f"{model} (markers: seeds; line: mean)")
    ax.axhline(majority, color="0.3", ls=":", lw=1, label="always the commonest topic")
    ax.set(title="Less training data: GRU vs LSTM", xlabel="training wires", xscale="log")
    ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.minorticks_off()
    ax.title.set_fontsize(10)
    ax.legend(**legend)
    for ax in axes:
        ax.set_ylabel("test accuracy")
    return fig


def tagging_figure(results):
    """Validation F1 by epoch of every tagger run, with the article's dropout (top) and
    without (bottom), the per-frame Dense baseline in both; dashed: the matched filter."""
    from rnnbook.plots import panels

    fig, axes = panels(2, height=2.6, sharey=True)
    ceiling = results["matched_filter"]["val_f1"]
    for ax, suffix, title in ((axes[0], "", "the article's dropout, 0.5"),
                              (axes[1], ", no dropout", "dropout 0")):
        for cell in ("SimpleRNN", "LSTM", "GRU"):
            _per_seed_lines(ax, runs(results, "tagging", model=cell + suffix), "val_f1",
                            "eval_epochs", COLORS[cell], MARKERS[cell], cell)
        dense = runs(results, "tagging", model=DENSE_BASELINE)
        _per_seed_lines(ax, dense, "val_f1", "eval_epochs", COLORS[DENSE_BASELINE],
                        MARKERS[DENSE_BASELINE], DENSE_BASELINE)
        ax.axhline(ceiling, color="0.3", ls="--", lw=1, label="matched filter (oracle)")
        ax.axvline(results["budget"]["tagging"]["epochs"], color="0.5", ls=":", lw=1)
        ax.set(title=f"Taggers, {title}", ylim=(0, 1))
        ax.title.set_fontsize(10)
    fig.supylabel("validation frame-level F1 (micro)", fontsize=11)
    axes[1].set_xlabel("epoch")
    axes[1].legend(fontsize=8, loc="center right")
    return fig


# ---- the explorer ----------------------------------------------------------------------------

def run_summary(results, part, model, seed):
    """One line about a stored run: budget, final numbers, seconds per epoch."""
    found = runs(results, part, model=model, seed=seed)
    if not found:
        return (f"No stored run of {model} with seed {seed}: this part ran seeds "
                f"{seeds(results, part)}.")
    run = found[0]
    epochs = len(run["loss"])
    if part == "tagging":
        score = (f"validation F1 {final(run, 'val_f1'):.3f}, test F1 "
                 f"{final(run, 'test_f1'):.3f}")
    else:
        score = (f"test accuracy {final(run, 'test_accuracy'):.3f}, macro-F1 "
                 f"{final(run, 'test_macro_f1'):.3f}, test loss {final(run, 'test_loss'):.3f}")
    seconds = float(np.median(run["epoch_seconds"][1:] or run["epoch_seconds"]))
    return (f"{model}, seed {seed}: {epochs} epochs, {run['params']:,} parameters; {score}; "
            f"{seconds:.2f} s per epoch (median, shared machine).")


#: The explorer's runs: label -> (part, model).
EXPLORER_RUNS = {
    "seed 000: SimpleRNN(50)": ("article", "SimpleRNN"),
    "seed 000: LSTM(50)": ("article", "LSTM"),
    "Embedding + LSTM": ("better", "Embedding+LSTM"),
    "Embedding + GRU": ("better", "Embedding+GRU"),
    "Embedding + bidirectional LSTM": ("better", "Embedding+BiLSTM"),
    "Bag of words + Dense": ("better", "Bag of words+Dense"),
    "Embedding + GRU, shuffled words": ("better", SHUFFLED),
    "tagger: SimpleRNN, dropout 0.5": ("tagging", "SimpleRNN"),
    "tagger: LSTM, dropout 0.5": ("tagging", "LSTM"),
    "tagger: GRU, dropout 0.5": ("tagging", "GRU"),
    "tagger: SimpleRNN, no dropout": ("tagging", "SimpleRNN, no dropout"),
    "tagger: LSTM, no dropout": ("tagging", "LSTM, no dropout"),
    "tagger: GRU, no dropout": ("tagging", "GRU, no dropout"),
    "tagger: Dense per frame": ("tagging", DENSE_BASELINE),
}


def results_view(run="seed 000: LSTM(50)", seed=0, results=None):
    """The explorer's view of one stored run: losses (top), accuracies and scores (bottom)."""
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
    if part == "tagging":
        held_out = "validation"
        scores = {"validation frame F1": (record["eval_epochs"], record["val_f1"]),
                  "training binary accuracy": (epochs, record["binary_accuracy"])}
        losses = {"training loss": (epochs, record["loss"]),
                  "validation loss": (record["eval_epochs"], record["val_loss"])}
    else:
        held_out = "test"
        scores = {"test accuracy": (record["eval_epochs"], record["test_accuracy"]),
                  "test macro-F1": (record["eval_epochs"], record["test_macro_f1"]),
                  "training accuracy": (epochs, record["accuracy"]),
                  "commonest topic": (epochs, [results["reuters"]["majority_accuracy"]]
                                      * len(epochs))}
        losses = {"training loss": (epochs, record["loss"]),
                  "test loss": (record["eval_epochs"], record["test_loss"])}
    top = float(np.ceil(max(max(v) for _, v in losses.values()) * 2) / 2)
    panels = []
    for title, series, ylim, dashed in (
            (f"{run}, seed {seed}: loss", losses, (0, top), ("training loss",)),
            ("accuracy and F1", scores, (0, 1), ("training accuracy", "training binary accuracy",
                                                 "commonest topic"))):
        colors = {label: OKABE_ITO[(4, 5, 2, 0)[i % 4]] for i, label in enumerate(series)}
        panels.append(svg.line_panel(series, title=title, ylim=ylim, xlabel="epoch",
                                     height=170, legend_width=170, colors=colors,
                                     dashed=dashed))
    chart = svg.stack(panels, height=170, label=(
        f"{run}, seed {seed}: training and {held_out} loss (top), accuracy and F1 (bottom) "
        "by epoch."))
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
