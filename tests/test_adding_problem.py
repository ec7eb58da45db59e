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


def test_train_can_return_the_trained_model():
    run, model = adding_problem.train("LSTM", 6, units=3, steps=2, eval_every=1, batch_size=4,
                                      test_samples=8, seed=0, return_model=True)
    x_test, y_test = adding_problem.generate(8, 6, seed=10_000)
    mse = float(np.mean((np.asarray(model.predict_on_batch(x_test)) - y_test) ** 2))
    assert mse == pytest.approx(run["final_test_mse"], rel=1e-5)


@pytest.mark.parametrize("kind,gate,start", [("LSTM", "f", 0.73), ("GRU", "z", 0.5),
                                             ("SimpleRNN", None, None)])
def test_inspect_layer_at_initialisation(kind, gate, start):
    from rnnbook import gradients

    x, _ = adding_problem.generate(3, 12, seed=4)
    layer = adding_problem.build_model(kind, 12, units=6, seed=0).layers[0]
    found = adding_problem.inspect_layer(layer, x)
    np.testing.assert_allclose(found["lag_curve"], gradients.keras_input_gradient_norms(layer, x))
    assert len(found["lag_curve"]) == 12
    if gate is None:
        assert "keep_gate" not in found
    else:
        assert found["keep_gate"] == gate
        assert found["keep_gate_mean"] == pytest.approx(start, abs=0.05)   # sigma(1), sigma(0)
    with pytest.raises(ValueError, match="adding-problem inputs"):
        adding_problem.inspect_layer(layer, x[..., :1])


def test_learning_curves_figure_keys_models_and_seeds():
    data = json.loads((ROOT / "data" / "adding_problem.json").read_text())
    fig = adding_problem.plot_learning_curves(data)
    assert len(fig.axes) == len(data["timesteps"])
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:3] == data["models"] and "seed 0" in labels and "seed 1" in labels
    one = adding_problem.plot_learning_curves(data["long_budget"])
    assert len(one.axes) == 1 and one.axes[0].get_title() == "T = 50"


def test_results_file_has_the_longer_budget_with_inspections():
    data = json.loads((ROOT / "data" / "adding_problem.json").read_text())
    longer = data["long_budget"]
    assert longer["budget"]["steps"] >= 3 * data["budget"]["steps"]
    assert {k: v for k, v in longer["budget"].items() if k not in ("steps", "eval_every")} == {
        k: v for k, v in data["budget"].items() if k not in ("steps", "eval_every")}
    combos = {(r["model"], r["seed"]) for r in longer["runs"]}
    assert combos == {(m, s) for m in longer["models"] for s in longer["seeds"]}
    assert len(longer["seeds"]) >= 2 and {"SimpleRNN", "LSTM"} <= set(longer["models"])
    for run in longer["runs"]:
        assert run["timesteps"] == longer["timesteps"]
        lengths = {len(run[when]["lag_curve"]) for when in ("initial", "trained")}
        assert lengths == {run["timesteps"]}
