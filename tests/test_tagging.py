"""The synthetic frame-tagging task, frame-level F1 and seed 001's taggers."""

import keras
import numpy as np
import pytest

import rnnbook  # noqa: F401  (before keras: keeps TensorFlow quiet)
from rnnbook import params, tagging


def runs(column):
    """(start, length) of each run of ones in a 0/1 vector."""
    padded = np.concatenate([[0], column, [0]])
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def test_shapes_types_and_binary_labels():
    x, y = tagging.tagging_data(4, seed=3)
    assert x.shape == (4, 256, 256) and y.shape == (4, 256, 10)
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert set(np.unique(y)) <= {0.0, 1.0} and y.sum() > 0


def test_one_event_without_noise_is_its_signature_over_its_frames():
    signatures = tagging.class_signatures()
    x, y = tagging.tagging_data(20, events=(1, 1), lengths=(5, 30), noise=0.0, amplitude=2.0,
                                seed=1)
    for s in range(20):
        (c,) = np.flatnonzero(y[s].any(0))
        (start, length), = runs(y[s, :, c])
        assert 5 <= length <= 30
        np.testing.assert_array_equal(x[s, start:start + length],
                                      np.broadcast_to(2.0 * signatures[c], (length, 256)))
        outside = np.ones(256, bool)
        outside[start:start + length] = False
        assert np.all(x[s, outside] == 0)


def test_events_have_different_lengths_and_overlap():
    _, y = tagging.tagging_data(30, events=(2, 5), lengths=(8, 64), seed=0)
    lengths = {length for s in range(30) for c in range(10) for _, length in runs(y[s, :, c])}
    assert min(lengths) >= 8 and len(lengths) > 10
    assert (y.sum(-1) > 1).any(), "no frame carries two labels"


def test_seeded_and_signatures_shared():
    a, _ = tagging.tagging_data(2, seed=5)
    b, _ = tagging.tagging_data(2, seed=5)
    c, _ = tagging.tagging_data(2, seed=6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    signatures = tagging.class_signatures(band=16)
    assert signatures.shape == (10, 256) and np.all(signatures.sum(1) == 16)


@pytest.mark.parametrize("kwargs,message", [
    ({"lengths": (8, 300)}, "lengths"), ({"lengths": (0, 4)}, "lengths"),
    ({"events": (3, 2)}, "events"), ({"band": 0}, "band"),
])
def test_bad_settings_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tagging.tagging_data(2, **kwargs)


def test_zero_samples_raise():
    with pytest.raises(ValueError, match="samples"):
        tagging.tagging_data(0)


def test_frame_f1_by_hand():
    y_true = np.array([[1, 0], [1, 1], [0, 0]])
    y_prob = np.array([[0.9, 0.2], [0.4, 0.7], [0.6, 0.1]])
    # predicted [[1,0],[0,1],[1,0]]: class 0 TP=1 FP=1 FN=1, class 1 TP=1 FP=0 FN=0
    assert tagging.frame_f1(y_true, y_prob) == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))
    assert tagging.frame_f1(y_true, y_prob, average="macro") == pytest.approx((0.5 + 1) / 2)
    assert tagging.frame_f1(np.zeros((3, 2)), np.zeros((3, 2))) == 1.0


def test_frame_f1_equals_keras_micro_f1():
    rng = np.random.default_rng(0)
    y_true = (rng.random((3, 40, 10)) < 0.2).astype("float32")
    y_prob = rng.random((3, 40, 10)).astype("float32")
    metric = keras.metrics.F1Score(average="micro", threshold=0.5)
    metric.update_state(y_true.reshape(-1, 10), y_prob.reshape(-1, 10))
    assert tagging.frame_f1(y_true, y_prob) == pytest.approx(float(metric.result()), abs=1e-6)


def test_frame_f1_errors():
    with pytest.raises(ValueError, match="shapes differ"):
        tagging.frame_f1(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="average"):
        tagging.frame_f1(np.zeros((2, 3)), np.zeros((2, 3)), average="weighted")


@pytest.mark.parametrize("kind,total", [("SimpleRNN", 12714), ("LSTM", 46698), ("GRU", 35370)])
def test_taggers_have_the_articles_parameter_counts(kind, total):
    model = tagging.tagging_model(kind)
    recurrent = [params.count_params(kind, 32, m, reset_after=False) for m in (256, 32)]
    assert model.count_params() == total == sum(recurrent) + params.dense_params(32, 32) \
        + params.dense_params(10, 32)
    assert model.output_shape == (None, 256, 10)


def test_tagger_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        tagging.tagging_model("Transformer")


def test_example_figure_has_three_panels():
    import matplotlib

    matplotlib.use("Agg")
    x, y = tagging.tagging_data(1, seed=0)
    fig = tagging.example_figure(x, y)
    assert len(fig.axes) == 6  # three images and their colour bars


def test_the_article_dropout_and_none():
    model = tagging.tagging_model("GRU")
    rates = [getattr(layer, name) for layer in model.layers
             for name in ("dropout", "recurrent_dropout", "rate") if hasattr(layer, name)]
    assert rates and set(rates) == {0.5}
    plain = tagging.tagging_model("GRU", dropout=0.0)
    rates = [getattr(layer, name) for layer in plain.layers
             for name in ("dropout", "recurrent_dropout", "rate") if hasattr(layer, name)]
    assert set(rates) == {0.0}
    assert plain.count_params() == model.count_params()
    with pytest.raises(ValueError, match="dropout"):
        tagging.tagging_model("GRU", dropout=1.0)


def test_tagger_compiles_as_the_article_with_binary_accuracy():
    model = tagging.tagging_model("LSTM", recurrent_activation="hard_sigmoid")
    assert model.layers[1].cell.recurrent_activation is keras.activations.hard_sigmoid
    # the article's optimizer='Adam' is Adam at Keras' default rate
    assert keras.optimizers.get("Adam").learning_rate == tagging.LEARNING_RATE
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(tagging.LEARNING_RATE)
    x, y = tagging.tagging_data(2, seed=1)
    logs = model.evaluate(x, y, return_dict=True, verbose=0)
    assert set(logs) == {"loss", "binary_accuracy"}


def test_frame_dense_baseline_sees_one_frame_at_a_time():
    model = tagging.frame_dense_model()
    assert model.count_params() == params.dense_params(10, 256)
    x = np.random.default_rng(0).standard_normal((1, 256, 256)).astype("float32")
    changed = x.copy()
    changed[0, 100] += 5.0
    before, after = model.predict(x, verbose=0), model.predict(changed, verbose=0)
    moved = np.flatnonzero(np.abs(after - before).max(-1)[0] > 0)
    np.testing.assert_array_equal(moved, [100])              # only that frame's answers move


def test_matched_filter_is_exact_without_noise_and_strong_in_noise():
    x, y = tagging.tagging_data(6, noise=0.0, amplitude=3.0, lengths=(16, 64), seed=2)
    np.testing.assert_array_equal(tagging.matched_filter(x, amplitude=3.0), y)
    x, y = tagging.tagging_data(6, amplitude=3.0, lengths=(16, 64), seed=2)
    assert tagging.frame_f1(y, tagging.matched_filter(x, amplitude=3.0)) > 0.9
    x, y = tagging.tagging_data(6, amplitude=1.0, seed=2)
    assert tagging.frame_f1(y, tagging.matched_filter(x, amplitude=1.0)) < 0.9


def test_accuracies_match_keras_metrics():
    rng = np.random.default_rng(4)
    y_true = (rng.random((3, 50, 10)) < 0.1).astype("float32")
    y_prob = rng.random((3, 50, 10)).astype("float32")
    found = tagging.accuracies(y_true, y_prob)
    for name, metric in (("binary", keras.metrics.BinaryAccuracy()),
                         ("categorical", keras.metrics.CategoricalAccuracy())):
        metric.update_state(y_true, y_prob)
        assert found[name] == pytest.approx(float(metric.result()), abs=1e-6)
    assert found["all_no"] == pytest.approx(1 - y_true.mean())
    with pytest.raises(ValueError, match="shapes differ"):
        tagging.accuracies(y_true, y_prob[:1])


def test_keras3_resolves_the_articles_accuracy_to_categorical():
    found = tagging.keras_accuracy_resolution("SimpleRNN", samples=4, seed=1)
    assert found["resolved_to"] == "categorical"
    assert found["accuracy"] == found["categorical"] != found["binary"]
    assert found["binary"] > 2 * found["categorical"]


def test_base_rate_bce():
    y = np.array([1, 0, 0, 0])
    assert tagging.base_rate_bce(y) == pytest.approx(-(0.25 * np.log(0.25) + 0.75 * np.log(0.75)))
    with pytest.raises(ValueError, match="positive rate"):
        tagging.base_rate_bce(np.zeros(4))


def test_keras_accuracy_resolution_builds_the_tagger_for_the_data_given():
    data = tagging.tagging_data(2, timesteps=16, features=32, lengths=(2, 8), band=4, seed=3)
    found = tagging.keras_accuracy_resolution("LSTM", data=data)
    assert found["resolved_to"] == "categorical"
    assert abs(found["all_no"] - (1 - float(data[1].mean()))) < 1e-12
