"""Seed 001's LSTM variants against Keras and the library's cell."""

import keras
import numpy as np
import pytest
from conftest import ATOL, RTOL, make_layer

from rnnbook import cells, lstm_variants, reference
from rnnbook.activations import sigmoid
from rnnbook.backend import to_numpy
from rnnbook.verify import compare, randomize_weights


def test_gate_blocks_follow_keras_order(rng):
    layer = make_layer("LSTM", 3, 2, rng=rng)
    kernel, recurrent_kernel, bias = layer.get_weights()
    blocks = lstm_variants.gate_blocks(kernel)
    assert list(blocks) == ["i", "f", "c", "o"]
    np.testing.assert_array_equal(blocks["f"], kernel[:, 3:6])
    assert lstm_variants.gate_blocks(recurrent_kernel)["o"].shape == (3, 3)
    np.testing.assert_array_equal(lstm_variants.gate_blocks(bias)["c"], bias[6:9])


def test_gate_blocks_error():
    with pytest.raises(ValueError, match="last axis 6 is not a multiple of 4"):
        lstm_variants.gate_blocks(np.zeros((2, 6)))


@pytest.mark.parametrize("use_bias", [True, False])
def test_keras_update_is_what_keras_computes(rng, use_bias):
    layer = make_layer("LSTM", 4, 3, rng=rng, use_bias=use_bias, return_sequences=True,
                       return_state=True)
    x = rng.normal(size=(2, 7, 3)).astype("float32")
    weights = layer.get_weights()
    bias = weights[2] if use_bias else None
    traced = lstm_variants.trace_variant(x, weights[0], weights[1], bias)
    output, h_T, c_T = (to_numpy(v) for v in layer(x))
    np.testing.assert_allclose(traced["h"], output, atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(traced["h"][:, -1], h_T, atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(traced["c"][:, -1], c_T, atol=ATOL, rtol=RTOL)
    if use_bias:
        for key, value in reference.trace(layer, x).items():
            np.testing.assert_allclose(traced[key], value, atol=ATOL, rtol=RTOL)


def test_seed001_bias_free_gates_disagree_with_keras_defaults(rng):
    layer = keras.layers.LSTM(3, return_sequences=True)  # unit_forget_bias: b_f = 1
    layer.build((None, None, 2))
    kernel, recurrent_kernel, _ = layer.get_weights()
    x = rng.normal(size=(2, 5, 2)).astype("float32")
    no_bias = lstm_variants.trace_variant(x, kernel, recurrent_kernel, None)
    assert not compare(no_bias["h"], layer(x)).ok


def test_seed001_step_squashes_the_cell_state(rng):
    layer = make_layer("LSTM", 5, 3, rng=rng, scale=1.5, return_sequences=True)
    x = 3 * rng.normal(size=(4, 20, 3))
    weights = layer.get_weights()
    right = lstm_variants.trace_variant(x, *weights)
    wrong = lstm_variants.trace_variant(x, *weights, cell_update="seed001")
    assert np.abs(right["c"]).max() > 1.0
    assert (right["c"] < 0).any()
    assert ((wrong["c"] > 0) & (wrong["c"] < 1)).all()
    assert ((wrong["h"] > -1e-12) & (wrong["h"] < np.tanh(1.0))).all()
    assert not compare(wrong["h"], layer(x.astype("float32"))).ok


def test_seed001_step_by_hand():
    x_t, h, c = np.array([[0.5]]), np.array([[0.2]]), np.array([[-0.4]])
    kernel, recurrent_kernel = np.array([[1.0, -1.0, 2.0, 0.5]]), np.array([[0.3, 0.2, -0.1, 1.0]])
    bias = np.array([0.1, 1.0, 0.0, -0.2])
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    i, f = sig(0.5 + 0.06 + 0.1), sig(-0.5 + 0.04 + 1.0)
    cand, o = np.tanh(1.0 - 0.02), sig(0.25 + 0.2 - 0.2)
    h_new, c_new, gates = lstm_variants.seed001_lstm_step(x_t, h, c, kernel, recurrent_kernel,
                                                          bias)
    np.testing.assert_allclose(c_new, sig(f * -0.4 + i * cand))
    np.testing.assert_allclose(h_new, o * np.tanh(sig(f * -0.4 + i * cand)))
    _, c_keras, _ = cells.lstm_step(x_t, h, c, kernel, recurrent_kernel, bias)
    np.testing.assert_allclose(c_keras, f * -0.4 + i * cand)
    assert gates["candidate"] == pytest.approx(cand)


def test_initial_state_is_used(rng):
    kernel, recurrent_kernel = rng.normal(size=(2, 8)), rng.normal(size=(2, 8))
    x = rng.normal(size=(3, 4, 2))
    h0, c0 = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    traced = lstm_variants.trace_variant(x, kernel, recurrent_kernel, initial_state=[h0, c0])
    _, c1, _ = cells.lstm_step(x[:, 0], h0, c0, kernel, recurrent_kernel)
    np.testing.assert_allclose(traced["c"][:, 0], c1)


def test_errors(rng):
    kernel, recurrent_kernel = np.zeros((2, 8)), np.zeros((2, 8))
    x = np.zeros((1, 3, 2))
    with pytest.raises(ValueError, match="unknown cell_update 'sigmoid': expected one of "
                                         "'keras', 'seed001'"):
        lstm_variants.trace_variant(x, kernel, recurrent_kernel, cell_update="sigmoid")
    with pytest.raises(ValueError, match=r"expected kernel \(input_dim, 4 \* units\)"):
        lstm_variants.trace_variant(x, np.zeros((2, 6)), recurrent_kernel)
    with pytest.raises(ValueError, match=r"bias must have shape \(4 \* units,\) = \(8,\)"):
        lstm_variants.trace_variant(x, kernel, recurrent_kernel, np.zeros(4))
    with pytest.raises(ValueError, match="expects input_dim = 2"):
        lstm_variants.trace_variant(np.zeros((1, 3, 5)), kernel, recurrent_kernel)
    with pytest.raises(ValueError, match=r"initial_state must be \[h_0, c_0\]"):
        lstm_variants.trace_variant(x, kernel, recurrent_kernel,
                                    initial_state=[np.zeros((1, 2)), np.zeros((2, 2))])


def test_cell_state_histograms(rng):
    import matplotlib
    matplotlib.use("Agg")
    kernel, recurrent_kernel = rng.normal(size=(2, 8)), rng.normal(size=(2, 8))
    x = 2 * rng.normal(size=(3, 6, 2))
    traces = {"Keras": lstm_variants.trace_variant(x, kernel, recurrent_kernel),
              "seed 001": lstm_variants.trace_variant(x, kernel, recurrent_kernel,
                                                      cell_update="seed001")}
    fig = lstm_variants.cell_state_histograms(traces)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels == ["(0, 1)", "Keras", "seed 001"]
    matplotlib.pyplot.close(fig)


def test_cell_state_histograms_tell_the_updates_apart_without_colour(rng):
    import matplotlib

    matplotlib.use("Agg")
    layer = make_layer("LSTM", 3, 2, rng=rng)
    x = rng.normal(size=(2, 5, 2))
    traces = {"Keras": lstm_variants.trace_variant(x, *layer.get_weights()),
              "seed 001": lstm_variants.trace_variant(x, *layer.get_weights(),
                                                      cell_update="seed001")}
    fig = lstm_variants.cell_state_histograms(traces)
    patches = [p for p in fig.axes[0].patches if p.get_label() in traces]
    dashes = [p.get_linestyle()[1] for p in patches]  # (offset, dash pattern)
    assert len(patches) == 2 and dashes[0] is None and dashes[1]  # solid, then dashed
    assert "#F0E442" not in {matplotlib.colors.to_hex(p.get_edgecolor()).upper()
                             for p in patches}
    matplotlib.pyplot.close(fig)


# ---- peepholes and the coupled gate -------------------------------------------------------

def variant_layer(units, input_dim, **options):
    layer = keras.layers.RNN(lstm_variants.VariantLSTMCell(units, **options),
                             return_sequences=True)
    layer.build((None, None, input_dim))
    return layer


def test_variant_cell_without_peepholes_is_keras_lstm(rng):
    reference_layer = make_layer("LSTM", 4, 3, rng=rng, return_sequences=True)
    layer = variant_layer(4, 3, peephole=False)
    layer.set_weights(reference_layer.get_weights())
    x = rng.normal(size=(3, 6, 3)).astype("float32")
    np.testing.assert_allclose(to_numpy(layer(x)), to_numpy(reference_layer(x)), atol=ATOL,
                               rtol=RTOL)
    # a fresh variant cell starts like a fresh Keras LSTM: forget block 1, the rest 0
    np.testing.assert_array_equal(variant_layer(2, 3, peephole=False).get_weights()[2],
                                  [0, 0, 1, 1, 0, 0, 0, 0])


@pytest.mark.parametrize("peephole,coupled", [(True, False), (False, True), (True, True)])
def test_variant_cell_is_the_numpy_step(rng, peephole, coupled):
    layer = randomize_weights(variant_layer(4, 3, peephole=peephole, coupled=coupled),
                              seed=int(rng.integers(1000)), scale=0.8)
    x = rng.normal(size=(3, 6, 3)).astype("float32")
    traced = lstm_variants.trace_peephole(x, *layer.get_weights(), coupled=coupled)
    np.testing.assert_allclose(traced["h"], to_numpy(layer(x)), atol=ATOL, rtol=RTOL)
    if coupled:
        np.testing.assert_allclose(traced["i"], 1 - traced["f"])
    if peephole:  # the peepholes change the result: dropping them does not reproduce it
        weights = layer.get_weights()[:3]
        without = lstm_variants.trace_peephole(x, *weights, coupled=coupled)
        assert not compare(without["h"], layer(x)).ok


def test_peephole_output_gate_reads_the_new_cell_state():
    # one unit, zero weights but the output gate's peephole: o_t = sigmoid(p_o c_t)
    kernel = np.zeros((1, 4))
    kernel[0, 2] = 1.0                      # the candidate reads x
    bias = np.array([10.0, -10.0, 0.0, 0.0])  # write everything, keep nothing
    peephole = np.array([0.0, 0.0, 2.0])      # p_i, p_f, p_o
    x = np.full((1, 1, 1), 0.5)
    traced = lstm_variants.trace_peephole(x, kernel, np.zeros((1, 4)), bias, peephole)
    c = traced["c"][0, 0, 0]
    assert c > 0.4
    np.testing.assert_allclose(traced["o"][0, 0, 0], sigmoid(2.0 * c))


@pytest.mark.parametrize("peephole,coupled,expected", [
    (False, False, 4 * 5 * (3 + 5 + 1)), (True, False, 4 * 5 * 9 + 3 * 5),
    (False, True, 3 * 5 * 9), (True, True, 3 * 5 * 9 + 2 * 5)])
def test_variant_param_count_is_count_params(peephole, coupled, expected):
    assert lstm_variants.variant_param_count(5, 3, peephole=peephole, coupled=coupled) == \
        expected == variant_layer(5, 3, peephole=peephole, coupled=coupled).count_params()
    assert lstm_variants.variant_param_count(5, 3, use_bias=False) == 4 * 5 * 8


def test_variant_errors():
    with pytest.raises(ValueError, match="units and input_dim must be positive"):
        lstm_variants.variant_param_count(0, 3)
    with pytest.raises(ValueError, match="units must be a positive integer"):
        lstm_variants.VariantLSTMCell(0)
    x = np.zeros((1, 2, 3))
    with pytest.raises(ValueError, match=r"kernel \(input_dim, 3 \* units\)"):
        lstm_variants.trace_peephole(x, np.zeros((3, 8)), np.zeros((2, 8)), coupled=True)
    with pytest.raises(ValueError, match=r"peephole must have shape \(3 \* units,\)"):
        lstm_variants.trace_peephole(x, np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(8),
                                     np.zeros(4))
    with pytest.raises(ValueError, match=r"bias must have shape \(4 \* units,\)"):
        lstm_variants.trace_peephole(x, np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(6))


def test_variant_cell_config_round_trip():
    cell = lstm_variants.VariantLSTMCell(3, peephole=True, coupled=True)
    again = lstm_variants.VariantLSTMCell.from_config(cell.get_config())
    assert (again.units, again.peephole, again.coupled) == (3, True, True)
