"""Keras <-> PyTorch weight layouts (rnnbook.conventions), checked against Keras with random
weights: the PyTorch side is PyTorch's documented equations in NumPy."""

import numpy as np
import pytest
from conftest import make_layer

from rnnbook import conventions
from rnnbook.verify import compare

UNITS, INPUT_DIM = 4, 3
KINDS = ["SimpleRNN", "LSTM", "GRU"]


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(2).normal(size=(3, 7, INPUT_DIM)).astype("float32")


@pytest.mark.parametrize("kind", KINDS)
def test_pytorch_layout_computes_what_keras_computes(kind, x):
    layer = make_layer(kind, UNITS, INPUT_DIM, rng=np.random.default_rng(11),
                       return_sequences=True)
    state = conventions.keras_to_pytorch(kind, *layer.get_weights())
    k = len(conventions.KERAS_GATES[kind])
    assert [state[n].shape for n in conventions.PYTORCH_NAMES] == [
        (k * UNITS, INPUT_DIM), (k * UNITS, UNITS), (k * UNITS,), (k * UNITS,)]
    assert compare(conventions.pytorch_forward(kind, state, x), layer(x)).ok


@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_is_bit_exact(kind):
    layer = make_layer(kind, UNITS, INPUT_DIM, rng=np.random.default_rng(12))
    weights = layer.get_weights()
    assert conventions.round_trip_is_exact(kind, weights)
    back = conventions.pytorch_to_keras(kind, conventions.keras_to_pytorch(kind, *weights))
    assert all(b.dtype == w.dtype for b, w in zip(back, weights, strict=True))


def test_lstm_blocks_keep_their_order():
    kernel = np.arange(3 * 8).reshape(3, 8).astype(float)   # units = 2
    recurrent = np.arange(2 * 8).reshape(2, 8).astype(float)
    state = conventions.keras_to_pytorch("LSTM", kernel, recurrent, np.arange(8.0))
    # PyTorch's W_if (rows 2:4) is Keras' forget block (columns 2:4), transposed
    np.testing.assert_array_equal(state["weight_ih_l0"][2:4], kernel[:, 2:4].T)
    np.testing.assert_array_equal(state["bias_hh_l0"], np.zeros(8))


def test_gru_blocks_are_reordered():
    kernel = np.arange(3 * 6).reshape(3, 6).astype(float)   # units = 2: z, r, h
    recurrent = np.arange(2 * 6).reshape(2, 6).astype(float)
    bias = np.arange(12.0).reshape(2, 6)
    state = conventions.keras_to_pytorch("GRU", kernel, recurrent, bias)
    np.testing.assert_array_equal(state["weight_ih_l0"][0:2], kernel[:, 2:4].T)  # r first
    np.testing.assert_array_equal(state["bias_hh_l0"][4:6], bias[1, 4:6])        # b_hn


def test_pytorch_biases_are_summed_into_keras_one():
    rng = np.random.default_rng(0)
    state = {"weight_ih_l0": rng.normal(size=(8, 3)), "weight_hh_l0": rng.normal(size=(8, 2)),
             "bias_ih_l0": rng.normal(size=8), "bias_hh_l0": rng.normal(size=8)}
    x = rng.normal(size=(2, 5, 3))
    back = conventions.keras_to_pytorch("LSTM", *conventions.pytorch_to_keras("LSTM", state))
    np.testing.assert_allclose(conventions.pytorch_forward("LSTM", back, x),
                               conventions.pytorch_forward("LSTM", state, x), atol=1e-12)


def test_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="reset_after=False has no PyTorch equivalent"):
        conventions.keras_to_pytorch("GRU", rng.normal(size=(3, 6)), rng.normal(size=(2, 6)),
                                     np.zeros(6))
    with pytest.raises(ValueError, match="kind must be one of"):
        conventions.keras_to_pytorch("Conv1D", np.zeros((3, 2)), np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"kernel \(input_dim, 4\*units\)"):
        conventions.keras_to_pytorch("LSTM", np.zeros((3, 6)), np.zeros((2, 8)), np.zeros(8))
    with pytest.raises(ValueError, match="bias has shape"):
        conventions.keras_to_pytorch("LSTM", np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(4))
    with pytest.raises(KeyError, match="bias_hh_l0"):
        conventions.pytorch_to_keras("LSTM", {"weight_ih_l0": 0, "weight_hh_l0": 0,
                                              "bias_ih_l0": 0})
    with pytest.raises(ValueError, match="inputs must be"):
        conventions.pytorch_forward("LSTM", conventions.keras_to_pytorch(
            "LSTM", np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(8)), np.zeros((5, 3)))


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_pytorch_outputs_match_keras_and_say_what_ran(kind, rng):
    import importlib.util

    layer = make_layer(kind, 5, 3, rng=rng, return_sequences=True)
    x = rng.normal(size=(2, 6, 3)).astype("float32")
    outputs, ran = conventions.pytorch_outputs(layer, x)
    assert compare(outputs, layer(x)).ok
    has_torch = importlib.util.find_spec("torch") is not None
    assert ran == (f"torch.nn.{conventions.TORCH_MODULES[kind]}" if has_torch
                   else conventions.DOCUMENTED)
