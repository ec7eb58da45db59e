"""tools/articles_experiments.py: the quick mode, written into a temporary folder, gives a file
that every loader chapter 07 calls accepts; it never writes into data/; and a model trained
after others repeats the run it has alone."""

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import rnnbook  # noqa: F401  (before keras: keeps TensorFlow quiet)
from rnnbook import experiment_results as er
from rnnbook import reuters

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "articles_experiments.py"
CHAPTER = ROOT / "chapters" / "07_articles_experiments.ipynb"


def load_script():
    spec = importlib.util.spec_from_file_location("articles_experiments", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """The quick mode run as `make experiments QUICK=1` runs it, into a temporary folder."""
    out = tmp_path_factory.mktemp("experiments") / "quick.json"
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'lib'}{os.pathsep}"
           f"{os.environ.get('PYTHONPATH', '')}", "TF_CPP_MIN_LOG_LEVEL": "3",
           "TF_ENABLE_ONEDNN_OPTS": "0", "KERAS_BACKEND": "tensorflow"}
    done = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "tagging GRU, no dropout seed 0" in done.stderr     # one progress line per model
    return out, done.stdout


def test_quick_mode_writes_where_told_and_records_its_provenance(quick):
    out, stdout = quick
    stored = er.load_results(out)
    assert stored["quick"] and stdout == ""                   # progress goes to stderr only
    made = stored["provenance"]
    assert made["command"].endswith(f"--quick --out {out}")
    for key in ("git_describe", "keras", "tensorflow", "numpy", "python", "machine", "cpus"):
        assert made[key] not in ("", None), key
    assert made["keras"] == keras.__version__ and made["numpy"] == np.__version__


def test_every_loader_the_chapter_calls_accepts_the_quick_file(quick):
    """The chapter's calls of rnnbook.experiment_results, with the chapter's arguments."""
    import matplotlib

    matplotlib.use("Agg")
    stored = er.check(er.load_results(quick[0]))
    tb = stored["budget"]["tagging"]
    for part in ("article", "better"):
        for metric in ("test_accuracy", "test_macro_f1", "test_loss"):
            assert er.format_per_seed(er.per_seed(stored, part, metric),
                                      params=er.params_of(stored, part), width=12)
    assert er.runs(stored, "article", model="LSTM") and er.runs(stored, "tagging")
    assert er.seeds(stored, "tagging") == stored["budget"]["tagging"]["seeds"]
    assert er.paired(stored, "better", er.SHUFFLED, "Embedding+GRU", "test_accuracy")
    assert er.paired(stored, "better", er.SHUFFLED, "Embedding+GRU", "test_macro_f1")
    assert isinstance(er.bag_of_words_beats_recurrent(stored)[0], bool)
    per_seed = er.per_seed(stored, "tagging", "test_f1", epoch=tb["epochs"])
    per_seed["longer"] = er.per_seed(stored, "tagging", "test_f1", epoch=tb["dense_epochs"],
                                     only=[er.DENSE_BASELINE])[er.DENSE_BASELINE]
    assert er.format_per_seed(per_seed)
    for cell in ("SimpleRNN", "LSTM", "GRU"):
        assert er.paired(stored, "tagging", f"{cell}, no dropout", cell, "test_f1",
                         epoch=tb["epochs"])
    assert er.epochs_to_table(stored, "tagging", "val_f1", er.LEFT_ALL_NO,
                              model_names=["LSTM", "GRU"]).keys() == {"LSTM", "GRU"}
    assert er.runs(stored, "tagging", model="SimpleRNN")[0]["positive_fraction_train"] > 0
    faster = er.gru_trains_faster(stored)
    assert faster["verdict"] in ("holds", "partly", "wrong")
    assert er.time_ratio(stored, "tagging", "SimpleRNN", "GRU") > 0
    assert er.time_ratio(stored, "tagging", "GRU", "GRU, no dropout") > 0
    less = er.gru_better_on_less_data(stored)
    assert less["verdict"] in ("holds", "partly", "wrong") and less["sizes"]
    pairs = [p for n in er.learning_sizes(stored) for p in er.learning_pairs(stored, n,
                                                                               "test_loss")]
    assert sum(er.compare_pairs(pairs, higher_is_better=False).values()) == len(pairs)
    for model in stored["timing"]["tagging"]["seconds"]:
        assert min(er.step_seconds(stored, "tagging", model)) > 0
    assert len(er.curves_figure(stored).axes) == 3
    assert len(er.tagging_figure(stored).axes) == 2
    assert "<svg" in er.results_view("seed 000: LSTM(50)", 0, stored)
    assert er.results_explorer(stored).grid_size == len(er.EXPLORER_RUNS) * 3
    first = stored["first_tagging"]
    assert first["runs"] and "val_f1" in first["matched_filter"]
    assert {"seeds", "epochs", "train", "batch_size"} <= set(first["budget"])
    for key in ("amplitude", "lengths", "events", "noise", "band", "signature_seed"):
        assert key in stored["tagging_data"] and key in first["tagging_data"]
    assert {"validation", "test"} <= set(stored["data_seeds"])
    assert {"majority_accuracy", "majority_macro_f1", "batch_size",
            "learning_rate"} <= set(stored["reuters"])


def test_this_test_calls_every_loader_the_chapter_names():
    chapter = "".join("".join(c["source"]) for c in json.loads(CHAPTER.read_text())["cells"]
                      if c["cell_type"] == "code")
    used = set(re.findall(r"\ber\.([a-z_]+)\(", chapter))
    here = set(re.findall(r"\ber\.([a-z_]+)\(", Path(__file__).read_text()))
    assert used, "the chapter calls no loader"
    assert used <= here, f"the chapter calls loaders this test does not: {sorted(used - here)}"


def test_quick_mode_refuses_to_write_into_data():
    script = load_script()
    with pytest.raises(SystemExit, match="needs --out"):
        script.main(["--quick"])
    with pytest.raises(SystemExit, match="refuses to write into"):
        script.main(["--quick", "--out", str(ROOT / "data" / "articles_experiments.json")])
    with pytest.raises(SystemExit, match="refuses to write into"):
        script.main(["--quick", "--out", str(ROOT / "data")])


def test_a_model_trained_after_others_repeats_its_run_alone():
    """Each model is seeded right before it is built and trained (C-21): its shuffling does
    not depend on the models trained before it. Without the reseed it would."""
    script = load_script()
    rng = np.random.default_rng(0)
    x, y = rng.integers(1, 50, (64, 6)), rng.integers(0, 46, 64)

    def build(seed):
        keras.utils.set_random_seed(seed)
        return reuters.better_model("Embedding+GRU", timesteps=6, vocabulary=50, units=4,
                                    embedding_dim=3)

    def fit(model):
        return script.train(model, x, y, epochs=2, batch_size=16, eval_epochs=[],
                            accuracy_key="accuracy", evaluate=dict)["loss"]

    alone = fit(build(0))
    fit(build(5))
    assert fit(build(0)) == alone                       # the script's way: seed, build, fit
    model = build(0)
    fit(build(5))                                       # another model trained in between
    assert fit(model) != alone                          # the round-robin coupling it avoids
