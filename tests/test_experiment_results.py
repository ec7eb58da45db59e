"""Per-seed tables, paired comparisons, the verdict rules and the explorer, on a small
results dict in the format of tools/articles_experiments.py."""

import copy

import pytest

from rnnbook import experiment_results as er

MAJORITY = 0.75


def reuters_run(model, seed, accuracy, train_size=1395, curve=None, loss=None):
    """A Reuters run of 3 epochs whose test accuracy ends at ``accuracy``."""
    curve = curve or [0.75, 0.75, accuracy]
    return {"model": model, "seed": seed, "params": 10 if "GRU" in model else 12,
            "train_size": train_size, "loss": [2.0, 1.0, 0.5], "accuracy": [0.5, 0.6, 0.7],
            "epoch_seconds": [9.0, 1.0, 1.0], "eval_epochs": [1, 2, 3],
            "test_accuracy": curve, "test_loss": [3.0, 2.0, 1 - accuracy if loss is None
                                                 else loss],
            "test_macro_f1": [0.03, 0.03, accuracy / 2]}


def tagger_run(model, seed, f1, curve=None, dropout=0.5, test_epochs=(3,)):
    curve = curve or [0.0, 0.2, f1]
    return {"model": model, "seed": seed, "params": 20, "dropout": dropout,
            "learning_rate": 0.001, "loss": [0.7, 0.3, 0.2], "binary_accuracy": [0.9, 0.94, 0.95],
            "epoch_seconds": [20.0, 2.0, 2.0], "eval_epochs": [1, 2, 3], "val_f1": curve,
            "val_f1_macro": curve, "val_loss": [0.7, 0.3, 0.2], "positive_fraction_train": 0.05,
            "test_epochs": list(test_epochs), "test_f1": [f1] * len(test_epochs),
            "test_f1_macro": [f1] * len(test_epochs), "test_loss": [0.2] * len(test_epochs),
            "test_binary_accuracy": [0.95] * len(test_epochs),
            "test_categorical_accuracy": [0.2] * len(test_epochs)}


@pytest.fixture
def results():
    recurrent = [reuters_run(m, s, a) for s in (0, 1) for m, a in
                 (("Embedding+LSTM", 0.80), ("Embedding+GRU", 0.85), ("Embedding+BiLSTM", 0.86))]
    return {
        "provenance": {}, "wall_seconds": 1.0, "tagging_data": {}, "matched_filter":
        {"val_f1": 0.99, "test_f1": 0.99},
        "budget": {"better": {"epochs": 3}, "tagging": {"epochs": 3}},
        "reuters": {"majority_accuracy": MAJORITY, "train": 1395},
        "article": [reuters_run("SimpleRNN", s, 0.76) for s in (0, 1)]
        + [reuters_run("LSTM", s, 0.85) for s in (0, 1)],
        "better": recurrent + [reuters_run("Bag of words+Dense", s, 0.9) for s in (0, 1)]
        + [reuters_run(er.SHUFFLED, s, 0.84) for s in (0, 1)],
        "learning_curve": [reuters_run("Embedding+GRU", s, 0.75, 100, loss=1.2) for s in (0, 1)]
        + [reuters_run("Embedding+LSTM", s, 0.75, 100, loss=1.3) for s in (0, 1)],
        "first_tagging": {"runs": [tagger_run(k, 0, 0.0, test_epochs=()) for k in
                                   ("SimpleRNN", "LSTM", "GRU")]},
        "tagging": [tagger_run(k, s, f1) for s in (0, 1) for k, f1 in
                    (("SimpleRNN", 0.0), ("LSTM", 0.7), ("GRU", 0.6))]
        + [tagger_run(er.DENSE_BASELINE, s, 0.8, dropout=0.0, test_epochs=(3, 6))
           for s in (0, 1)],
        "timing": {"band": er.SPEED_BAND,
                   "reuters": {"seconds": {"Embedding+LSTM": [2.0, 1.0, 1.5],
                                           "Embedding+GRU": [0.99, 3.0, 1.2]}},
                   "tagging": {"seconds": {"LSTM": [1.0, 1.1], "GRU": [0.8, 0.85]}}},
    }


def test_check_accepts_a_complete_file_and_names_what_is_missing(results):
    for run in results["first_tagging"]["runs"]:
        for key in er.REQUIRED["tested_run"]:
            run.pop(key, None)
    assert er.check(results) is results
    broken = copy.deepcopy(results)
    del broken["timing"], broken["tagging"][0]["val_f1"]
    with pytest.raises(KeyError, match=r"timing.*tagging/SimpleRNN/val_f1"):
        er.check(broken)


def test_per_seed_table_and_its_text(results):
    table = er.per_seed(results, "article", "test_accuracy")
    assert table == {"SimpleRNN": {0: 0.76, 1: 0.76}, "LSTM": {0: 0.85, 1: 0.85}}
    text = er.format_per_seed(table, params=er.params_of(results, "article"))
    assert text.splitlines()[0].split() == ["model", "params", "seed", "0", "seed", "1", "mean"]
    assert "LSTM" in text and "0.850    0.850    0.850" in text
    assert er.models(results, "better")[-1] == er.SHUFFLED
    assert er.seeds(results, "tagging") == [0, 1]


def test_at_epoch_reads_test_epochs_of_taggers_and_eval_epochs_otherwise(results):
    dense = er.runs(results, "tagging", model=er.DENSE_BASELINE, seed=0)[0]
    assert er.at_epoch(dense, "test_f1", 6) == 0.8
    assert er.at_epoch(dense, "val_f1", 2) == 0.2
    with pytest.raises(ValueError, match="measured at epochs"):
        er.at_epoch(dense, "test_f1", 4)
    assert er.per_seed(results, "tagging", "test_f1", epoch=3)[er.DENSE_BASELINE] == {0: 0.8,
                                                                                      1: 0.8}


def test_paired_and_compare_pairs(results):
    pairs = er.paired(results, "better", "Embedding+GRU", "Embedding+LSTM", "test_accuracy")
    assert pairs == [(0, 0.85, 0.80), (1, 0.85, 0.80)]
    assert er.compare_pairs(pairs) == {"better": 2, "tied": 0, "worse": 0}
    assert er.compare_pairs(pairs, higher_is_better=False) == {"better": 0, "tied": 0, "worse": 2}
    assert er.compare_pairs([(0, 0.75, 0.75)]) == {"better": 0, "tied": 1, "worse": 0}
    with pytest.raises(ValueError, match="no runs of both"):
        er.paired(results, "better", "Embedding+GRU", "Transformer", "test_accuracy")


def test_epochs_to_threshold(results):
    run = er.runs(results, "tagging", model="LSTM", seed=0)[0]
    assert er.epochs_to(run, "val_f1", 0.5) == 3 and er.epochs_to(run, "val_f1", 0.9) is None
    plateau = er.left_plateau_epochs(results, "better", ["Embedding+GRU"])
    assert plateau == {"Embedding+GRU": {0: 3, 1: 3}}          # 0.85 > 0.75 + margin at epoch 3


def test_time_ratio_uses_the_fastest_round_and_the_band(results):
    assert er.time_ratio(results, "reuters", "Embedding+GRU", "Embedding+LSTM") == \
        pytest.approx(0.99)
    assert er.speed_class(0.99) == "same" and er.speed_class(0.85) == "faster"
    assert er.speed_class(1.2) == "slower" and er.speed_class(0.95, band=0.01) == "faster"
    with pytest.raises(ValueError, match="no timing"):
        er.step_seconds(results, "tagging", "SimpleRNN")


def test_the_speed_verdict_rule(results):
    found = er.gru_trains_faster(results)
    # tagging ratio 0.8 is faster, Reuters 0.99 is the same; GRU never sooner than the LSTM
    assert found["classes"] == {"reuters": "same", "tagging": "faster"}
    assert found["verdict"] == "partly"
    slow = copy.deepcopy(results)
    slow["timing"]["tagging"]["seconds"]["GRU"] = [1.0, 1.05]
    assert er.gru_trains_faster(slow)["verdict"] == "wrong"
    fast = copy.deepcopy(results)
    fast["timing"]["reuters"]["seconds"]["Embedding+GRU"] = [0.5]
    for run in er.runs(fast, "better", model="Embedding+LSTM"):
        run["test_accuracy"] = [0.75, 0.75, 0.75]              # the LSTM never leaves the plateau
    for run in er.runs(fast, "tagging", model="LSTM"):
        run["val_f1"] = [0.0, 0.0, 0.0]
    assert er.gru_trains_faster(fast)["verdict"] == "holds"


def test_the_less_data_verdict_rule(results):
    found = er.gru_better_on_less_data(results)
    assert found["sizes"] == [100]
    assert found["counts"]["test_loss"] == {"better": 2, "tied": 0, "worse": 0}
    assert found["counts"]["test_accuracy"] == {"better": 0, "tied": 2, "worse": 0}
    assert found["verdict"] == "holds"
    worse = copy.deepcopy(results)
    for run in er.runs(worse, "learning_curve", model="Embedding+GRU"):
        run["test_loss"][-1] = 1.4
    assert er.gru_better_on_less_data(worse)["verdict"] == "wrong"
    mixed = copy.deepcopy(results)
    er.runs(mixed, "learning_curve", model="Embedding+GRU", seed=1)[0]["test_accuracy"][-1] = 0.7
    assert er.gru_better_on_less_data(mixed)["verdict"] == "partly"
    assert er.learning_sizes(results) == [100, 1395]
    assert er.size_values(results, "Embedding+GRU", 1395) == {0: 0.85, 1: 0.85}


def test_bag_of_words_against_the_recurrent_models(results):
    beats, margins = er.bag_of_words_beats_recurrent(results)
    assert beats and margins == {0: pytest.approx(0.04), 1: pytest.approx(0.04)}
    er.runs(results, "better", model="Embedding+BiLSTM", seed=1)[0]["test_accuracy"][-1] = 0.95
    assert not er.bag_of_words_beats_recurrent(results)[0]


def test_errors(results):
    with pytest.raises(ValueError, match="part must be"):
        er.runs(results, "nonsense")
    with pytest.raises(KeyError, match="no metric"):
        er.final(results["article"][0], "test_f1")
    with pytest.raises(FileNotFoundError, match="make experiments"):
        er.load_results("/nonexistent/results.json")
    with pytest.raises(ValueError, match="run must be"):
        er.results_view("nonsense", 0, results)


def test_views_and_explorer(results):
    html = er.results_view("seed 000: LSTM(50)", 0, results)
    assert html.count("<svg") == 1 and html.count("<g transform") == 2  # loss, then scores
    assert ">epoch<" in html and "test accuracy 0.850" in html and "macro-F1 0.425" in html
    assert "this part ran seeds [0, 1]" in er.results_view("tagger: GRU, dropout 0.5", 2, results)
    tagger = er.results_view("tagger: GRU, dropout 0.5", 0, results)
    assert "validation F1 0.600, test F1 0.600" in tagger
    assert "training binary accuracy" in tagger and "frame accuracy" not in tagger
    assert "validation loss" in tagger
    explorer = er.results_explorer(results)
    assert explorer.grid_size == len(er.EXPLORER_RUNS) * 3
    assert len(explorer.static_html()) < 600_000


def test_figures_draw_every_seed(results):
    import matplotlib

    matplotlib.use("Agg")
    fig = er.curves_figure(results)
    assert len(fig.axes) == 3
    lines = [line for line in fig.axes[0].get_lines() if line.get_label() != "_nolegend_"]
    assert len(lines) >= 4                       # two seeds of each of two models, the majority
    fig = er.tagging_figure(results)
    assert len(fig.axes) == 2 and fig.axes[0].get_ylim() == (0, 1)
