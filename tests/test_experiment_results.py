"""Summaries, speed ratios, learning curves and the explorer over a small results dict."""

import pytest

from rnnbook import experiment_results as er


def run(model, seed, accuracy, seconds, train_size=None, part="better"):
    record = {"model": model, "seed": seed, "params": 10, "loss": [2.0, 1.0, 0.5],
              "accuracy": [0.5, 0.6, 0.7], "epoch_seconds": [9.0, *seconds],
              "eval_epochs": [1, 3]}
    if part == "tagging":
        record["test_f1"] = [0.1, accuracy]
    else:
        record.update(test_accuracy=[0.1, accuracy], test_loss=[3.0, 1 - accuracy])
    if train_size is not None:
        record["train_size"] = train_size
    return record


@pytest.fixture
def results():
    return {
        "reuters": {"majority_accuracy": 0.75},
        "article": [run("SimpleRNN", 0, 0.70, [1, 1]), run("SimpleRNN", 1, 0.80, [1, 1]),
                    run("LSTM", 0, 0.75, [2, 2]), run("LSTM", 1, 0.75, [2, 2])],
        "better": [run("Embedding+LSTM", s, 0.8, [2.0, 4.0], 1395) for s in (0, 1)]
        + [run("Embedding+GRU", s, 0.9, [1.0, 1.0 + s], 1395) for s in (0, 1)],
        "learning_curve": [run("Embedding+GRU", s, 0.6 + 0.1 * s, [1, 1], 100) for s in (0, 1)]
        + [run("Embedding+LSTM", s, 0.5, [1, 1], 100) for s in (0, 1)],
        "tagging": [run(k, 0, 0.4, [1, 1], part="tagging") for k in ("SimpleRNN", "LSTM", "GRU")],
    }


def test_summary_mean_sd_min_max(results):
    rows = er.summary(results, "article")
    assert [r["model"] for r in rows] == ["SimpleRNN", "LSTM"]
    mean, sd, low, high = rows[0]["test_accuracy"]
    assert mean == pytest.approx(0.75) and sd == pytest.approx(0.0707107, abs=1e-6)
    assert (low, high) == (0.70, 0.80) and rows[1]["test_accuracy"][1] == 0.0
    table = er.format_summary(rows)
    assert "0.750 ± 0.071 [0.700, 0.800]" in table


def test_speed_ratio_uses_median_after_the_first_epoch(results):
    ratios = er.speed_ratio(results, "better", "Embedding+GRU", "Embedding+LSTM")
    # GRU seed 0: median(1, 1) = 1; seed 1: median(1, 2) = 1.5; LSTM median(2, 4) = 3
    assert ratios == {0: pytest.approx(1 / 3), 1: pytest.approx(0.5)}
    with pytest.raises(ValueError, match="no runs"):
        er.speed_ratio(results, "better", "Embedding+GRU", "Transformer")


def test_learning_curve_adds_the_full_training_set(results):
    sizes, rows = er.learning_curve(results, "Embedding+GRU")
    assert sizes == [100, 1395]
    assert rows[0][0] == pytest.approx(0.65) and rows[1][0] == pytest.approx(0.9)


def test_errors(results):
    with pytest.raises(ValueError, match="part must be"):
        er.runs(results, "nonsense")
    with pytest.raises(KeyError, match="no metric"):
        er.final(results["article"][0], "test_f1")
    with pytest.raises(ValueError, match="no values"):
        er.spread([])
    with pytest.raises(FileNotFoundError, match="make experiments"):
        er.load_results("/nonexistent/results.json")
    with pytest.raises(ValueError, match="run must be"):
        er.results_view("nonsense", 0, results)


def test_views_and_explorer(results):
    html = er.results_view("seed 000: LSTM(50)", 0, results)
    assert html.count("<svg") == 1 and html.count("<g transform") == 2  # loss, then scores
    assert ">epoch<" in html and "test accuracy 0.750" in html
    assert "this part ran seeds [0]" in er.results_view("seed 001 tagger: GRU", 2, results)
    assert "frame-level F1 0.400" in er.results_view("seed 001 tagger: GRU", 0, results)
    explorer = er.results_explorer(results)
    assert explorer.grid_size == len(er.EXPLORER_RUNS) * 3
    assert len(explorer.static_html()) < 600_000


def test_stored_results_hold_every_part():
    results = er.load_results()
    for part in er.PARTS:
        assert results[part], part
    assert results["reuters"]["train"] == 1395 and results["reuters"]["test"] == 599
    assert {r["model"] for r in results["article"]} == {"SimpleRNN", "LSTM"}
    assert all(len(r["loss"]) == results["budget"]["article"]["epochs"]
               for r in results["article"])


def test_claim_verdicts(results):
    results["tagging"][1]["params"], results["tagging"][2]["params"] = 40, 30  # LSTM, GRU
    for record in results["better"][:2]:  # Embedding+LSTM
        record["params"] = 20
    verdicts = er.claim_verdicts(results)
    assert verdicts["GRUs have fewer parameters"] == "held"
    # Reuters GRU/LSTM ratios 1/3 and 1/2, taggers 1: not every ratio is below 1
    assert verdicts["GRUs train faster (time per epoch)"] == "mixed"
    assert verdicts["GRUs do better on less data (test accuracy)"] == "held"
    # test loss is 1 - accuracy in the fixture: lower for the GRU too
    assert verdicts["GRUs do better on less data (test loss)"] == "held"
    assert verdicts["LSTMs remember longer"].startswith("not tested")
    assert er._verdict([False, False]) == "did not hold"
