"""The NumPy reference engine against Keras: same weights, same input, every option."""

import itertools

import keras
import numpy as np
import pytest
from conftest import ATOL, RTOL, as_list, assert_matches_keras, make_layer, mask_pattern
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnbook import activations, reference
from rnnbook.backend import to_numpy

VARIANTS = {  # name -> (Keras class name, extra options)
    "SimpleRNN": ("SimpleRNN", {}),
    "LSTM": ("LSTM", {}),
    "GRU": ("GRU", {"reset_after": True}),
    "GRU-reset-before": ("GRU", {"reset_after": False}),
}
MASKS = [None, "gaps", "leading", "trailing", "full_row"]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("return_sequences,return_state,go_backwards",
                         list(itertools.product([False, True], repeat=3)))
@pytest.mark.parametrize("mask_name", MASKS)
def test_flags_and_masks(variant, return_sequences, return_state, go_backwards, mask_name, rng):
    kind, options = VARIANTS[variant]
    layer = make_layer(kind, 5, 3, rng=rng, return_sequences=return_sequences,
                       return_state=return_state, go_backwards=go_backwards, **options)
    x = rng.normal(size=(4, 7, 3)).astype("float32")
    assert_matches_keras(layer, x, mask=mask_pattern(mask_name, 4, 7, rng))


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("zero_output_for_mask", [True, False])
@pytest.mark.parametrize("with_initial_state", [True, False])
def test_bias_zero_output_and_initial_state(variant, use_bias, zero_output_for_mask,
                                            with_initial_state, rng):
    kind, options = VARIANTS[variant]
    layer = make_layer(kind, 4, 2, rng=rng, use_bias=use_bias, return_sequences=True,
                       return_state=True, zero_output_for_mask=zero_output_for_mask, **options)
    x = rng.normal(size=(3, 6, 2)).astype("float32")
    mask = mask_pattern("full_row", 3, 6, rng)
    call = {"mask": mask}
    if with_initial_state:
        n_states = 2 if kind == "LSTM" else 1
        call["initial_state"] = [rng.normal(size=(3, 4)).astype("float32")
                                 for _ in range(n_states)]
    assert_matches_keras(layer, x, **call)


# The activations a recurrent layer can use: every one Keras 3 offers except glu (halves
# the last axis) and threshold (needs arguments a layer cannot pass).
ACTIVATIONS = sorted(set(activations.BY_NAME) - {"linear"}) + ["linear"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_numpy_activations_match_keras(name):
    x = np.linspace(-8, 8, 401, dtype="float32").reshape(1, -1)
    x = np.concatenate([x, np.linspace(-0.01, 0.01, 401, dtype="float32").reshape(1, -1)])
    ours = activations.get(name)(x)
    theirs = np.asarray(keras.activations.get(name)(x))
    np.testing.assert_allclose(ours, theirs, atol=ATOL, rtol=RTOL)


def test_hard_sigmoid_is_keras3_definition():
    x = np.array([-3.0, -1.5, 0.0, 1.5, 3.0])
    np.testing.assert_allclose(activations.hard_sigmoid(x), np.clip(x / 6 + 0.5, 0, 1))
    assert activations.hard_sigmoid(np.array(2.5)) != np.clip(0.2 * 2.5 + 0.5, 0, 1)  # Keras 2


@pytest.mark.parametrize("kind,role", [("SimpleRNN", "activation"), ("LSTM", "activation"),
                                       ("LSTM", "recurrent_activation"), ("GRU", "activation"),
                                       ("GRU", "recurrent_activation")])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_activation_in_every_role(kind, role, name, rng):
    # One role at a time (the other keeps Keras' default): with exponential in both roles an
    # LSTM's h = exp(.) * exp(c) overflows float32 within two steps. Small weights and inputs
    # keep unbounded activations at values of order 1, far from float32's rounding limits.
    layer = make_layer(kind, 3, 2, rng=rng, scale=0.2, return_sequences=True, **{role: name})
    x = 0.5 * rng.normal(size=(2, 4, 2)).astype("float32")
    assert_matches_keras(layer, x)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "ave", "mul", None])
@pytest.mark.parametrize("return_sequences,return_state",
                         list(itertools.product([False, True], repeat=2)))
@pytest.mark.parametrize("mask_name", [None, "full_row"])
def test_bidirectional(variant, merge_mode, return_sequences, return_state, mask_name, rng):
    kind, options = VARIANTS[variant]
    layer = make_layer(kind, 3, 2, bidirectional=True, merge_mode=merge_mode, rng=rng,
                       return_sequences=return_sequences, return_state=return_state, **options)
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    assert_matches_keras(layer, x, mask=mask_pattern(mask_name, 3, 5, rng))


@pytest.mark.parametrize("variant", VARIANTS)
def test_bidirectional_initial_state_forward_first(variant, rng):
    kind, options = VARIANTS[variant]
    layer = make_layer(kind, 3, 2, bidirectional=True, rng=rng, return_sequences=True,
                       return_state=True, **options)
    x = rng.normal(size=(2, 4, 2)).astype("float32")
    n_states = 4 if kind == "LSTM" else 2
    states = [rng.normal(size=(2, 3)).astype("float32") for _ in range(n_states)]
    ours = assert_matches_keras(layer, x, initial_state=states)
    # the forward direction's final states come first among the returned states
    forward_only = reference.forward(layer.forward_layer, x, initial_state=states[: n_states // 2])
    np.testing.assert_array_equal(ours[1], forward_only[1])


def test_bidirectional_with_distinct_backward_layer(rng):
    forward = keras.layers.LSTM(3, return_sequences=True)
    backward = keras.layers.GRU(3, return_sequences=True, go_backwards=True)
    layer = keras.layers.Bidirectional(forward, backward_layer=backward)
    layer.build((None, None, 2))
    for sub in (layer.forward_layer, layer.backward_layer):
        sub.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in sub.get_weights()])
    assert_matches_keras(layer, rng.normal(size=(2, 5, 2)).astype("float32"))


@pytest.mark.parametrize("cell", [keras.layers.SimpleRNNCell(3), keras.layers.LSTMCell(3),
                                  keras.layers.GRUCell(3, reset_after=False)])
def test_generic_rnn_wrapping_a_cell(cell, rng):
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    layer.build((None, None, 2))
    layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in layer.get_weights()])
    assert_matches_keras(layer, rng.normal(size=(2, 4, 2)).astype("float32"))


@pytest.mark.parametrize("variant", VARIANTS)
def test_unroll_changes_the_graph_not_the_function(variant, rng):
    kind, options = VARIANTS[variant]
    rolled = make_layer(kind, 4, 3, rng=rng, return_sequences=True, **options)
    unrolled = LAYER_CLASS[kind](4, return_sequences=True, unroll=True, **options)
    unrolled.build((None, 6, 3))
    unrolled.set_weights(rolled.get_weights())
    x = rng.normal(size=(2, 6, 3)).astype("float32")
    assert_matches_keras(unrolled, x, mask=mask_pattern("gaps", 2, 6, rng))
    np.testing.assert_array_equal(reference.forward(rolled, x), reference.forward(unrolled, x))


LAYER_CLASS = {"SimpleRNN": keras.layers.SimpleRNN, "LSTM": keras.layers.LSTM,
               "GRU": keras.layers.GRU}


@pytest.mark.parametrize("variant", VARIANTS)
def test_float64_inputs_are_computed_in_float64(variant, rng):
    kind, options = VARIANTS[variant]
    layer = make_layer(kind, 4, 3, rng=rng, return_sequences=True, **options)
    x = rng.normal(size=(2, 5, 3))
    ours = reference.forward(layer, x)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, to_numpy(layer(x)), atol=ATOL, rtol=RTOL)
    assert reference.forward(layer, x.astype("float32")).dtype == np.float32


@pytest.mark.parametrize("variant", VARIANTS)
def test_dropout_is_an_inference_no_op(variant, rng):
    kind, options = VARIANTS[variant]
    layer = make_layer(kind, 4, 3, rng=rng, dropout=0.5, recurrent_dropout=0.5,
                       return_sequences=True, **options)
    assert_matches_keras(layer, rng.normal(size=(2, 5, 3)).astype("float32"))


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("masked", [False, True])
def test_nan_propagates_as_in_keras(variant, masked, rng):
    kind, options = VARIANTS[variant]
    layer = make_layer(kind, 3, 2, rng=rng, return_sequences=True, return_state=True, **options)
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    x[1, 2, 0] = np.nan
    mask = np.ones((3, 5), bool)
    if masked:
        mask[1, 2] = False  # a NaN at a masked step is ignored by Keras
    ours = assert_matches_keras(layer, x, mask=mask)  # assert_allclose: NaN where Keras has NaN
    assert np.isnan(ours[0][1, 2:]).all() != masked
    assert not np.isnan(ours[0][[0, 2]]).any()


def test_keras_masking_layer_mask(rng):
    """The mask Keras' Masking layer computes, passed on to the reference."""
    x = rng.normal(size=(3, 6, 2)).astype("float32")
    x[0, 4:] = 0.0
    x[2, :2] = 0.0
    inputs = keras.Input((6, 2))
    lstm = keras.layers.LSTM(3, return_sequences=True)
    model = keras.Model(inputs, lstm(keras.layers.Masking(0.0)(inputs)))
    lstm.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in lstm.get_weights()])
    mask = np.any(x != 0.0, axis=-1)
    np.testing.assert_allclose(reference.forward(lstm, x, mask=mask), to_numpy(model(x)),
                               atol=ATOL)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("go_backwards", [False, True])
def test_trace_agrees_with_forward_and_cells(variant, go_backwards, rng):
    kind, options = VARIANTS[variant]
    layer = make_layer(kind, 4, 3, rng=rng, return_sequences=True, return_state=True,
                       go_backwards=go_backwards, **options)
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    mask = mask_pattern("gaps", 2, 5, rng)
    traced = reference.trace(layer, x, mask=mask)
    expected_keys = {"SimpleRNN": {"h"}, "LSTM": {"i", "f", "o", "candidate", "c", "h"},
                     "GRU": {"z", "r", "candidate", "h"}}[kind]
    assert set(traced) == expected_keys
    assert all(v.shape == (2, 5, 4) for v in traced.values())
    output, *states = reference.forward(layer, x, mask=mask)
    np.testing.assert_array_equal(traced["h"][:, -1], states[0])
    if kind == "LSTM":
        np.testing.assert_array_equal(traced["c"][:, -1], states[1])
        # c_t = f * c_{t-1} + i * candidate at an unmasked step, from the traced values alone
        t = int(np.argmax(mask[0, ::-1] if go_backwards else mask[0]))
        if t > 0:
            c = (traced["f"][0, t] * traced["c"][0, t - 1]
                 + traced["i"][0, t] * traced["candidate"][0, t])
            np.testing.assert_allclose(traced["c"][0, t], c, atol=ATOL)
    for gate in expected_keys - {"h", "c", "candidate"}:
        assert ((traced[gate] >= 0) & (traced[gate] <= 1)).all()


def test_trace_bidirectional_has_both_directions(rng):
    layer = make_layer("GRU", 3, 2, bidirectional=True, rng=rng, return_sequences=True)
    traced = reference.trace(layer, rng.normal(size=(2, 4, 2)).astype("float32"))
    assert set(traced) == {"forward", "backward"}
    assert set(traced["backward"]) == {"z", "r", "candidate", "h"}


# ---- randomized configurations -------------------------------------------------------------

BOUNDED = ["tanh", "sigmoid", "hard_sigmoid", "softsign", "hard_tanh", "sparse_sigmoid"]
ANY = BOUNDED + ["relu", "linear", "elu", "selu", "gelu", "silu", "softplus", "mish"]


@st.composite
def configurations(draw):
    variant = draw(st.sampled_from(list(VARIANTS)))
    kind, options = VARIANTS[variant]
    options = dict(options)
    options.update(
        return_sequences=draw(st.booleans()), return_state=draw(st.booleans()),
        use_bias=draw(st.booleans()), zero_output_for_mask=draw(st.booleans()),
        activation=draw(st.sampled_from(ANY)),
    )
    if kind != "SimpleRNN":
        options["recurrent_activation"] = draw(st.sampled_from(BOUNDED))
    bidirectional = draw(st.booleans())
    if not bidirectional:
        options["go_backwards"] = draw(st.booleans())
    return dict(
        kind=kind, options=options, bidirectional=bidirectional,
        merge_mode=draw(st.sampled_from(["concat", "sum", "ave", "mul", None])),
        units=draw(st.integers(1, 6)), input_dim=draw(st.integers(1, 5)),
        samples=draw(st.integers(1, 4)), timesteps=draw(st.integers(1, 8)),
        mask=draw(st.sampled_from(MASKS)), initial_state=draw(st.booleans()),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


#: Examples per backend. The engine is NumPy, the same on every backend: TensorFlow, where
#: the stored outputs are written, checks it on 300; on JAX, where each example builds and
#: runs fresh layers op by op (tests/conftest.py; about 1 s an example on loaded cores),
#: 100 check that Keras on JAX agrees (derandomized: the same first 100 on every run).
EXAMPLES = {"jax": 100}


@settings(max_examples=EXAMPLES.get(keras.backend.backend(), 300), deadline=None,
          derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(configurations())
def test_random_configurations(config):
    rng = np.random.default_rng(config["seed"])
    layer = make_layer(config["kind"], config["units"], config["input_dim"],
                       bidirectional=config["bidirectional"], merge_mode=config["merge_mode"],
                       rng=rng, **config["options"])
    x = rng.normal(size=(config["samples"], config["timesteps"], config["input_dim"]))
    x = x.astype("float32")
    call = {"mask": mask_pattern(config["mask"], config["samples"], config["timesteps"], rng)}
    if config["initial_state"]:
        n_states = (2 if config["kind"] == "LSTM" else 1) * (2 if config["bidirectional"] else 1)
        call["initial_state"] = [rng.normal(size=(config["samples"], config["units"]))
                                 .astype("float32") for _ in range(n_states)]
    assert_matches_keras(layer, x, **call)


def test_the_check_can_fail(rng):
    """A wrong gate order is caught: swapping LSTM's f and c blocks breaks agreement."""
    layer = make_layer("LSTM", 4, 3, rng=rng, return_sequences=True)
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    kernel, recurrent, bias = layer.get_weights()
    swap = np.r_[0:4, 8:12, 4:8, 12:16]
    wrong = make_layer("LSTM", 4, 3, rng=rng, return_sequences=True)
    wrong.set_weights([kernel[:, swap], recurrent[:, swap], bias[swap]])
    difference = np.abs(reference.forward(wrong, x) - as_list(layer(x))[0]).max()
    assert difference > 1e-2
