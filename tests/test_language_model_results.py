"""The verdict rules on made-up runs, and the quick mode of tools/language_model.py: the file it
writes is one that every loader the chapter calls accepts."""

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnnbook import language_model_results as lmr
from rnnbook import sampling

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "chapters" / "08_language_model.ipynb"


def make_run(kind, size, seed, *, seconds, perplexities, test):
    losses = [math.log(p) for p in perplexities]
    return {"kind": kind, "size": size, "seed": seed, "units": 4, "params": 100,
            "epoch_seconds": seconds, "train_loss": losses, "validation_loss": losses,
            "position": [0] * len(losses), "best_epoch": int(np.argmin(losses)) + 1,
            "stopped_early": False, "max_epochs": len(losses), "test_loss": math.log(test)}


def make_results(gru_seconds=1.0, gru_test=(90, 90), lstm_test=(100, 100)):
    """Two sizes, two seeds; the LSTM takes 1 s an epoch; test perplexities by size."""
    runs = []
    for size, gru, lstm in zip((10, 20), gru_test, lstm_test, strict=True):
        for seed in (0, 1):
            runs.append(make_run("LSTM", size, seed, seconds=[9, 1, 1.2],
                                 perplexities=[300, 200, 150], test=lstm))
            runs.append(make_run("GRU", size, seed, seconds=[9, gru_seconds, 2 * gru_seconds],
                                 perplexities=[250, 150, 140], test=gru))
            runs.append(make_run("SimpleRNN", size, seed, seconds=[9, 0.5, 0.5],
                                 perplexities=[400, 300, 280], test=150))
    return {"command": "test", "commit": "0" * 40, "versions": {}, "machine": {},
            "wall_seconds": 1.0, "settings": {"sizes": [10, 20], "seeds": [0, 1]},
            "rules": lmr.rules(), "data": {"unigram_validation_perplexity": {"10": 300,
                                                                             "20": 280}},
            "runs": runs, "generator": None,
            "follow_up": {"why": "test", "sizes": [10], "patience_updates": 1,
                          "patience_epochs": {"10": 1},
                          "runs": [dict(r) for r in runs if r["size"] == 10]}}


def test_speed_rule():
    rows = lmr.speed_table(make_results(gru_seconds=0.5))
    row = rows[0]
    assert row["epoch_ratio"] == pytest.approx(0.5)
    # threshold: 1.05 x the worse best (LSTM 150); GRU reaches it at epoch 2, LSTM at 3
    assert row["threshold"] == pytest.approx(157.5)
    assert row["epochs_to_threshold"] == {"GRU": 2, "LSTM": 3}
    assert row["reach_ratio"] == pytest.approx(2 * 0.5 / (3 * 1))
    assert lmr.faster_verdict(make_results(gru_seconds=0.5))[0] == "holds"
    # as fast per epoch (within the band) but sooner at the threshold: one of two
    verdict, details = lmr.faster_verdict(make_results(gru_seconds=1.05))
    assert verdict == "partly" and details["calls"] == {"epoch": "as fast", "reach": "faster"}
    assert lmr.faster_verdict(make_results(gru_seconds=2.0))[0] == "wrong"
    assert [lmr.call(r) for r in (0.85, 0.95, 1.1, 1.2)] == ["faster", "as fast", "as fast",
                                                              "slower"]


def test_less_data_rule():
    table = lmr.quality_table(make_results(gru_test=(90, 120)))
    assert table[0]["better"] == "GRU" and table[1]["better"] == "LSTM"
    assert table[0]["differences"] == [pytest.approx(100 / 90 - 1)] * 2
    # only the smaller size counts as "less data"
    assert lmr.less_data_verdict(make_results(gru_test=(90, 120)))[0] == "holds"
    assert lmr.less_data_verdict(make_results(gru_test=(99.5, 90)))[0] == "wrong"
    three = make_results()
    three["settings"]["sizes"] = [10, 20, 30]
    three["runs"] += [dict(r, size=30) for r in three["runs"] if r["size"] == 20]
    for run in three["runs"]:
        if run["kind"] == "GRU" and run["size"] == 20:
            run["test_loss"] = math.log(110)
    assert lmr.less_data_verdict(three)[0] == "partly"


def test_check_names_what_is_missing():
    results = make_results()
    with pytest.raises(ValueError, match="lacks \\['generator'\\]"):
        lmr.check({k: v for k, v in results.items() if k != "generator"})
    assert lmr.check(make_results())["runs"]
    partial = make_results()
    partial["follow_up"]["runs"] = partial["follow_up"]["runs"][1:]
    with pytest.raises(ValueError, match="follow-up: expected one run of LSTM"):
        lmr.check(partial)
    assert lmr.follow_up(make_results())["settings"]["sizes"] == [10]
    without = {k: v for k, v in make_results().items() if k != "follow_up"}
    assert lmr.check(without)["runs"]  # a file from before the follow-up is still complete
    results["runs"] = results["runs"][1:]
    with pytest.raises(ValueError, match="expected one run of LSTM at size 10, seed 0"):
        lmr.check(results)
    bad = make_results()
    del bad["runs"][0]["test_loss"]
    with pytest.raises(ValueError, match="lacks \\['test_loss'\\]"):
        lmr.check(bad)


def test_small_helpers():
    run = make_run("GRU", 1, 0, seconds=[5.0], perplexities=[10, 5, 7], test=6)
    assert lmr.min_epoch_seconds(run) == 5.0
    assert lmr.epochs_to(run, 6) == 2 and lmr.epochs_to(run, 4) is None
    assert lmr.best_validation_perplexity(run) == pytest.approx(5)
    assert lmr.test_perplexity(run) == pytest.approx(6)


#: The loaders the chapter calls; test_quick_mode_file_is_accepted calls each of them.
CHAPTER_LOADERS = {"load", "runs", "one_run", "validation_perplexity",
                   "best_validation_perplexity", "test_perplexity", "min_epoch_seconds",
                   "speed_table", "faster_verdict", "quality_table", "less_data_verdict",
                   "generator_weights", "generator_model", "curves_figure", "epochs_to",
                   "call", "follow_up"}


@pytest.fixture(scope="module")
def quick_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("quick") / "language_model.json"
    data = ROOT / "data" / "language_model.json"
    before = data.stat().st_mtime_ns if data.exists() else None
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'lib'}{os.pathsep}"
               f"{os.environ.get('PYTHONPATH', '')}")
    subprocess.run([sys.executable, str(ROOT / "tools" / "language_model.py"), "--quick",
                    "--out", str(out)], check=True, env=env, capture_output=True, timeout=600)
    after = data.stat().st_mtime_ns if data.exists() else None
    assert before == after, "the quick mode wrote into data/"
    return out


def test_quick_mode_refuses_data_and_needs_out():
    script = [sys.executable, str(ROOT / "tools" / "language_model.py"), "--quick"]
    for extra in ([], ["--out", str(ROOT / "data" / "language_model.json")]):
        done = subprocess.run(script + extra, capture_output=True, text=True, timeout=300)
        assert done.returncode == 2 and ("--out" in done.stderr or "data" in done.stderr)


def test_quick_mode_file_is_accepted_by_every_chapter_loader(quick_file):
    import matplotlib.pyplot as plt

    results = lmr.load(quick_file)
    assert results["quick"] is True and results["commit"] and results["command"]
    assert {"python", "numpy", "keras", "tensorflow"} <= set(results["versions"])
    assert "load_average_at_start" in results["machine"]
    kind, size, seed = "GRU", results["settings"]["sizes"][0], results["settings"]["seeds"][0]
    run = lmr.one_run(results, kind, size, seed)
    assert lmr.runs(results, kind=kind) and lmr.validation_perplexity(run)
    assert lmr.best_validation_perplexity(run) > 1 and lmr.test_perplexity(run) > 1
    assert lmr.min_epoch_seconds(run) > 0
    assert lmr.epochs_to(run, lmr.best_validation_perplexity(run)) == run["best_epoch"]
    rows = lmr.speed_table(results)
    assert lmr.call(rows[0]["epoch_ratio"]) in ("faster", "as fast", "slower")
    assert lmr.faster_verdict(results)[0] in ("holds", "partly", "wrong")
    assert lmr.quality_table(results) and lmr.less_data_verdict(results)[0] in (
        "holds", "partly", "wrong")
    weights = lmr.generator_weights(results)
    model = lmr.generator_model(results)
    assert all((a == b).all() for a, b in zip(weights, model.get_weights(), strict=True))
    numpy_model = sampling.NextWordModel(results["generator"]["kind"], weights)
    tokens = np.array([[1, 4, 5, 6]])
    assert np.allclose(numpy_model.probabilities(tokens), model.predict(tokens, verbose=0),
                       atol=1e-5)
    followed = lmr.follow_up(results)
    assert lmr.quality_table(followed)[0]["size"] == results["follow_up"]["sizes"][0]
    assert all(r["patience"] == results["follow_up"]["patience_epochs"][str(r["size"])]
               for r in lmr.runs(followed))
    fig = lmr.curves_figure(results)
    assert len(fig.axes) == len(results["settings"]["sizes"])
    plt.close(fig)
    stored = json.loads(quick_file.read_text())
    assert stored["rules"] == lmr.rules()


def test_the_chapter_calls_only_the_loaders_tested_here():
    if not CHAPTER.exists():
        pytest.skip("the chapter is not written yet")
    text = "".join("".join(c["source"]) for c in json.loads(CHAPTER.read_text())["cells"]
                   if c["cell_type"] == "code")
    called = set(re.findall(r"\blmr\.(\w+)\(", text))
    assert called, "the chapter reads its results through rnnbook.language_model_results"
    assert called <= CHAPTER_LOADERS, f"untested loaders: {called - CHAPTER_LOADERS}"
