"""The adding problem's generator, its baseline, and one tiny training run."""

import json
from pathlib import Path

import numpy as np
import pytest

from rnnbook import adding_problem

ROOT = Path(__file__).resolve().parent.parent


def test_shapes_markers_and_targets():
    x, y = adding_problem.generate(500, 20, seed=3)
    assert x.shape == (500, 20, 2) and y.shape == (500, 1)
    assert x.dtype == np.float32 and y.dtype == np.float32
    markers = x[:, :, 1]
    assert set(np.unique(markers)) == {0.0, 1.0}
    np.testing.assert_array_equal(markers.sum(axis=1), 2)
    first = markers.argmax(axis=1)
    second = 19 - markers[:, ::-1].argmax(axis=1)
    assert (first < 10).all() and (second >= 10).all()       # one marker in each half
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * markers).sum(axis=1), rtol=1e-6)
    assert (x[:, :, 0] >= 0).all() and (x[:, :, 0] < 1).all()


def test_seeded():
    a, b = adding_problem.generate(4, 10, seed=1), adding_problem.generate(4, 10, seed=1)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], adding_problem.generate(4, 10, seed=2)[0])


def test_baseline_is_one_sixth():
    assert adding_problem.BASELINE_MSE == pytest.approx(1 / 6)
    _, y = adding_problem.generate(200_000, 10, seed=0)
    assert adding_problem.baseline_mse(y) == pytest.approx(1 / 6, abs=2e-3)
    assert float(y.mean()) == pytest.approx(1.0, abs=5e-3)     # 1 is the best constant


def test_a_short_run_records_everything():
    run = adding_problem.train("GRU", 10, units=4, steps=4, eval_every=2, batch_size=8,
                               test_samples=16, seed=0)
    assert run["eval_steps"] == [0, 2, 4] and len(run["test_mse"]) == 3
    assert run["final_test_mse"] == run["test_mse"][-1]
    for key in ("model", "timesteps", "units", "batch_size", "learning_rate", "clipnorm",
                "seed", "params", "baseline_test_mse"):
        assert key in run
    again = adding_problem.train("GRU", 10, units=4, steps=4, eval_every=2, batch_size=8,
                                 test_samples=16, seed=0)
    assert again["test_mse"] == pytest.approx(run["test_mse"], rel=1e-5)


def test_results_file_is_complete():
    path = ROOT / "data" / "adding_problem.json"
    if not path.exists():
        pytest.skip("data/adding_problem.json not generated yet (make adding-problem)")
    data = json.loads(path.read_text())
    combos = {(r["model"], r["timesteps"], r["seed"]) for r in data["runs"]}
    assert combos == {(m, t, s) for m in data["models"] for t in data["timesteps"]
                      for s in data["seeds"]}
    assert {10, 50, 100, 200} <= set(data["timesteps"])


@pytest.mark.parametrize("call,message", [
    (lambda: adding_problem.generate(0, 10), "samples must be"),
    (lambda: adding_problem.generate(3, 1), "timesteps must be"),
    (lambda: adding_problem.generate(3, 2.5), "timesteps must be"),
    (lambda: adding_problem.build_model("RNN", 10), "unknown kind"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
