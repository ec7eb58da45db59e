"""Dropout inside an LSTM: the masks Keras drew, the training-mode reference, cuDNN's checks."""

import importlib

import keras
import numpy as np
import pytest
from conftest import ATOL, RTOL, make_layer

from rnnbook import dropout
from rnnbook.backend import to_numpy
from rnnbook.verify import compare


def dropout_layer(rng, units=4, input_dim=3, **rates):
    return make_layer("LSTM", units, input_dim, rng=rng, return_sequences=True, seed=5, **rates)


@pytest.mark.parametrize("rates", [{"dropout": 0.5}, {"recurrent_dropout": 0.3},
                                   {"dropout": 0.25, "recurrent_dropout": 0.5}])
def test_reference_with_keras_masks_reproduces_training_mode(rng, rates):
    layer = dropout_layer(rng, **rates)
    x = rng.normal(size=(6, 7, 3)).astype("float32")
    trained, masks = dropout.call_with_masks(layer, x)
    ours = dropout.lstm_with_masks(x, *layer.get_weights(), input_mask=masks["input"],
                                   recurrent_mask=masks["recurrent"])
    np.testing.assert_allclose(ours["h"], trained, atol=ATOL, rtol=RTOL)
    # without the masks the training-mode output is not reproduced: the masks did something
    assert not compare(dropout.lstm_with_masks(x, *layer.get_weights())["h"], trained).ok


def test_mask_shapes_follow_the_implementation(rng):
    x = rng.normal(size=(5, 4, 3)).astype("float32")
    shared = dropout.call_with_masks(dropout_layer(rng, dropout=0.5), x)[1]
    assert shared["input"].shape == (5, 3) and shared["recurrent"] is None
    per_gate = dropout.call_with_masks(dropout_layer(rng, dropout=0.5,
                                                     recurrent_dropout=0.5), x)[1]
    assert per_gate["input"].shape == (4, 5, 3) and per_gate["recurrent"].shape == (4, 5, 4)
    assert not np.array_equal(per_gate["input"][0], per_gate["input"][1])
    # inverted dropout: kept entries are 1 / (1 - rate)
    assert set(np.unique(per_gate["recurrent"])) == {0.0, 2.0}


def test_a_fresh_mask_per_step_is_not_what_keras_does(rng):
    layer = dropout_layer(rng, dropout=0.5)
    x = rng.normal(size=(8, 6, 3)).astype("float32")
    trained, masks = dropout.call_with_masks(layer, x)
    fresh = dropout.fresh_masks_every_step(masks["input"].shape, 0.5, 6, seed=1)
    fresh[0] = masks["input"]
    ours = dropout.lstm_with_masks(x, *layer.get_weights(), input_mask=fresh)
    np.testing.assert_allclose(ours["h"][:, 0], trained[:, 0], atol=ATOL, rtol=RTOL)
    assert not compare(ours["h"][:, 1:], trained[:, 1:]).ok


def test_call_with_masks_leaves_the_generator_where_the_call_left_it(rng):
    layer = dropout_layer(rng, dropout=0.5, recurrent_dropout=0.5)
    x = rng.normal(size=(2, 3, 3)).astype("float32")
    dropout.call_with_masks(layer, x)
    after_one = np.array(layer.cell.seed_generator.state.numpy())
    layer(x, training=True)
    assert np.array(layer.cell.seed_generator.state.numpy())[1] > after_one[1]


def test_inference_is_the_plain_lstm(rng):
    layer = dropout_layer(rng, dropout=0.5, recurrent_dropout=0.5)
    x = rng.normal(size=(3, 5, 3)).astype("float32")
    plain = dropout.lstm_with_masks(x, *layer.get_weights())["h"]
    np.testing.assert_allclose(plain, to_numpy(layer(x, training=False)), atol=ATOL, rtol=RTOL)


def test_fresh_masks_rate_and_scale():
    masks = dropout.fresh_masks_every_step((200, 50), 0.3, 3, seed=0)
    assert masks.shape == (3, 4, 200, 50)
    np.testing.assert_allclose(np.unique(masks), [0.0, 1 / 0.7])
    assert abs(np.mean(masks == 0) - 0.3) < 0.01


def test_errors(rng):
    with pytest.raises(ValueError, match=r"rate must lie in \[0, 1\)"):
        dropout.fresh_masks_every_step((2, 3), 1.0, 4)
    layer = dropout_layer(rng, dropout=0.5)
    x = rng.normal(size=(2, 3, 3)).astype("float32")
    with pytest.raises(ValueError, match=r"input_mask must have shape \(samples, input_dim\)"):
        dropout.lstm_with_masks(x, *layer.get_weights(), input_mask=np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"recurrent_mask must have shape \(samples, units\)"):
        dropout.lstm_with_masks(x, *layer.get_weights(), recurrent_mask=np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"expected kernel \(input_dim, 4 \* units\)"):
        dropout.lstm_with_masks(x, np.ones((3, 8)), np.ones((4, 16)), np.ones(16))
    with pytest.raises(ValueError, match=r"\(samples, timesteps, input_dim\)"):
        dropout.lstm_with_masks(x[0], *layer.get_weights())
    with pytest.raises(TypeError, match="cell draws dropout masks"):
        dropout.call_with_masks(keras.layers.Dense(3), x)


KERAS_CUDNN_ARGUMENTS = {  # what Keras' own cuDNN check reads, in its argument order
    "LSTM": ("activation is tanh", "recurrent_activation is sigmoid", "unroll=False",
             "use_bias=True"),
    "GRU": ("activation is tanh", "recurrent_activation is sigmoid", "unroll=False",
            "use_bias=True", "reset_after=True"),
}


@pytest.mark.parametrize("kind,options,failing", [
    ("LSTM", {}, []), ("LSTM", {"dropout": 0.5}, []),
    ("LSTM", {"recurrent_dropout": 0.1}, ["recurrent_dropout=0"]),
    ("LSTM", {"unroll": True}, ["unroll=False"]), ("LSTM", {"use_bias": False}, ["use_bias=True"]),
    ("LSTM", {"activation": "relu"}, ["activation is tanh"]),
    ("LSTM", {"recurrent_activation": "hard_sigmoid"}, ["recurrent_activation is sigmoid"]),
    ("LSTM", {"use_cudnn": False}, ["use_cudnn is not False"]),
    ("GRU", {}, []), ("GRU", {"dropout": 0.5}, []),
    ("GRU", {"reset_after": False}, ["reset_after=True"]),
    ("GRU", {"recurrent_dropout": 0.1}, ["recurrent_dropout=0"]),
    ("GRU", {"activation": "relu", "reset_after": False},
     ["activation is tanh", "reset_after=True"])])
def test_cudnn_argument_conditions_match_keras(kind, options, failing):
    rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")

    layer = getattr(keras.layers, kind)(3, **options)
    conditions = dropout.cudnn_argument_conditions(layer)
    assert [name for name, ok in conditions.items() if not ok] == failing
    # the conditions Keras' backend checks itself agree with its own function
    cell = layer.cell
    arguments = [cell.activation, cell.recurrent_activation, layer.unroll, cell.use_bias]
    if kind == "GRU":
        arguments.append(cell.reset_after)
    keras_says = getattr(rnn, f"_do_{kind.lower()}_arguments_support_cudnn")(*arguments)
    assert keras_says == all(conditions[c] for c in KERAS_CUDNN_ARGUMENTS[kind])
