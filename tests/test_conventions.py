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


# ---- use_bias=False, named_parameters(), the reset_after setting, torch.nn itself --------

@pytest.mark.parametrize("kind", KINDS)
def test_bias_free_layers_convert_and_compute_what_keras_computes(kind, x):
    layer = make_layer(kind, UNITS, INPUT_DIM, rng=np.random.default_rng(13),
                       return_sequences=True, use_bias=False)
    state = conventions.keras_layer_to_pytorch(layer)
    assert list(state) == list(conventions.PYTORCH_NAMES[:2])   # PyTorch's bias=False
    assert compare(conventions.pytorch_forward(kind, state, x), layer(x)).ok
    back = conventions.pytorch_to_keras(kind, state)
    assert len(back) == 2 and all(np.array_equal(a, b) for a, b in
                                  zip(back, layer.get_weights(), strict=True))
    outputs, _ = conventions.pytorch_outputs(layer, x)
    assert compare(outputs, layer(x)).ok


def test_a_relu_simple_rnn_is_nn_rnn_with_relu(x):
    layer = make_layer("SimpleRNN", UNITS, INPUT_DIM, rng=np.random.default_rng(14),
                       return_sequences=True, activation="relu")
    state = conventions.keras_layer_to_pytorch(layer)
    relu = conventions.pytorch_forward("SimpleRNN", state, x, nonlinearity="relu")
    assert compare(relu, layer(x)).ok
    assert not compare(conventions.pytorch_forward("SimpleRNN", state, x), layer(x)).ok
    assert compare(conventions.pytorch_outputs(layer, x)[0], layer(x)).ok


def test_a_reset_before_gru_is_refused_from_its_setting_not_its_bias_shape():
    layer = make_layer("GRU", UNITS, INPUT_DIM, reset_after=False, use_bias=False)
    kernel, recurrent = layer.get_weights()
    for refuse in (lambda: conventions.keras_layer_to_pytorch(layer),
                   lambda: conventions.pytorch_outputs(layer, np.zeros((1, 2, INPUT_DIM))),
                   lambda: conventions.keras_to_pytorch("GRU", kernel, recurrent,
                                                        reset_after=False),
                   # a zero bias of the reset_after=True shape does not hide the setting
                   lambda: conventions.keras_to_pytorch("GRU", kernel, recurrent,
                                                        np.zeros((2, 3 * UNITS)),
                                                        reset_after=False)):
        with pytest.raises(ValueError, match="reset_after=False"):
            refuse()
    with pytest.raises(ValueError, match="pass reset_after=layer.reset_after"):
        conventions.keras_to_pytorch("GRU", kernel, recurrent)
    with pytest.raises(ValueError, match=r"belongs|\(2, 3\*units\)"):
        conventions.keras_to_pytorch("GRU", kernel, recurrent, np.zeros(3 * UNITS),
                                     reset_after=True)


def test_other_activations_are_refused_with_the_setting_named():
    tanh_free = make_layer("LSTM", UNITS, INPUT_DIM, activation="relu")
    with pytest.raises(ValueError, match="activation 'relu'"):
        conventions.pytorch_outputs(tanh_free, np.zeros((1, 2, INPUT_DIM)))
    with pytest.raises(ValueError, match="nonlinearity is 'tanh' or 'relu'"):
        conventions.pytorch_outputs(make_layer("SimpleRNN", UNITS, INPUT_DIM,
                                               activation="sigmoid"),
                                    np.zeros((1, 2, INPUT_DIM)))
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        conventions.pytorch_forward("SimpleRNN", conventions.keras_layer_to_pytorch(
            make_layer("SimpleRNN", UNITS, INPUT_DIM)), np.zeros((1, 2, INPUT_DIM)), "gelu")


TORCH_KINDS = [(kind, use_bias) for kind in KINDS for use_bias in (True, False)]


@pytest.mark.parametrize("kind,use_bias", TORCH_KINDS)
def test_torch_nn_modules_load_strictly_and_compute_what_keras_computes(kind, use_bias, x):
    torch = pytest.importorskip("torch", reason="PyTorch is installed in make test-backends")
    layer = make_layer(kind, UNITS, INPUT_DIM, rng=np.random.default_rng(15),
                       return_sequences=True, use_bias=use_bias)
    module = conventions.pytorch_module(layer)
    assert type(module) is getattr(torch.nn, conventions.TORCH_MODULES[kind])
    assert module.batch_first and module.bias == use_bias
    with torch.no_grad():
        ours, _ = module(torch.from_numpy(x))
    assert compare(ours, layer(x)).ok
    # named_parameters() hold tensors that require grad: read back all the same
    parameters = dict(module.named_parameters())
    assert all(p.requires_grad for p in parameters.values())
    back = conventions.pytorch_to_keras(kind, parameters)
    assert all(np.array_equal(a, b) for a, b in zip(back, layer.get_weights(), strict=True))
    # torch -> keras: a fresh Keras layer given the module's weights computes the same
    fresh = make_layer(kind, UNITS, INPUT_DIM, return_sequences=True, use_bias=use_bias)
    fresh.set_weights(conventions.pytorch_to_keras(kind, module.state_dict()))
    assert compare(fresh(x), ours).ok


def test_torch_gates_in_torch_order_disagree_when_misread(x):
    """The check can fail: Keras' GRU blocks loaded into nn.GRU without the reorder differ."""
    torch = pytest.importorskip("torch", reason="PyTorch is installed in make test-backends")
    layer = make_layer("GRU", UNITS, INPUT_DIM, rng=np.random.default_rng(16),
                       return_sequences=True)
    module = conventions.pytorch_module(layer)
    kernel, recurrent, bias = layer.get_weights()
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.from_numpy(kernel.T.copy()))   # z, r, h as r, z, n
        misread, _ = module(torch.from_numpy(x))
    assert not compare(misread, layer(x)).ok
