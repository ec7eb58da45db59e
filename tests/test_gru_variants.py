"""The GRU conventions of rnnbook.gru_variants and the hand-set GRUs of rnnbook.gru_memory,
against Keras 3 with random weights and random biases."""

import itertools

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import make_layer

from rnnbook import cells, gru_memory, plots, reference
from rnnbook import gru_variants as gv
from rnnbook.backend import to_numpy
from rnnbook.explorer import Explorer
from rnnbook.params import count_params
from rnnbook.verify import compare

UNITS, INPUT_DIM, TIMESTEPS = 4, 3, 6


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(5).normal(size=(3, TIMESTEPS, INPUT_DIM)).astype("float32")


def keras_gru(reset_after, use_bias=True, seed=0):
    return make_layer("GRU", UNITS, INPUT_DIM, rng=np.random.default_rng(seed),
                      reset_after=reset_after, use_bias=use_bias, return_sequences=True)


def run(step, x, **weights):
    return gv.unroll(step, x, UNITS, **weights)["h"]


# ---- Keras' two variants, written out ---------------------------------------------------------

@pytest.mark.parametrize("reset_after", [True, False])
def test_keras_steps_are_what_keras_computes(x, reset_after):
    layer = keras_gru(reset_after)
    kernel, recurrent_kernel, bias = layer.get_weights()
    step = gv.keras_reset_after_step if reset_after else gv.keras_reset_before_step
    assert compare(run(step, x, kernel=kernel, recurrent_kernel=recurrent_kernel, bias=bias),
                   layer(x)).ok


@pytest.mark.parametrize("reset_after", [True, False])
def test_keras_steps_match_the_library_cell(x, reset_after):
    kernel, recurrent_kernel, bias = keras_gru(reset_after, seed=3).get_weights()
    h0 = np.random.default_rng(1).normal(size=(3, UNITS)).astype("float32")
    step = gv.keras_reset_after_step if reset_after else gv.keras_reset_before_step
    ours, ours_gates = step(x[:, 0], h0, kernel, recurrent_kernel, bias)
    theirs, their_gates = cells.gru_step(x[:, 0], h0, kernel, recurrent_kernel, bias,
                                         reset_after=reset_after)
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    for key in ("z", "r", "candidate"):
        np.testing.assert_allclose(ours_gates[key], their_gates[key], atol=1e-6)


def test_keras_blocks_names_the_slices():
    kernel = np.arange(2 * 9).reshape(2, 9)
    recurrent = np.arange(9 * 3).reshape(3, 9)
    bias = np.arange(18).reshape(2, 9)
    w = gv.keras_blocks(kernel, recurrent, bias, reset_after=True)
    np.testing.assert_array_equal(w["W_r"], kernel[:, 3:6])
    np.testing.assert_array_equal(w["U_h"], recurrent[:, 6:])
    np.testing.assert_array_equal(w["rb_z"], bias[1, :3])
    w = gv.keras_blocks(kernel, recurrent, bias[0], reset_after=False)
    np.testing.assert_array_equal(w["b_h"], bias[0, 6:])
    assert not w["rb_h"].any()
    assert not gv.keras_blocks(kernel, recurrent)["b_z"].any()


# ---- the other conventions --------------------------------------------------------------------

def test_pytorch_layout_is_keras_reset_after(x):
    layer = keras_gru(True, seed=4)
    weights = layer.get_weights()
    torch_weights = gv.keras_to_pytorch(*weights)
    assert [w.shape for w in torch_weights] == [(12, 3), (12, 4), (12,), (12,)]
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    assert compare(run(gv.pytorch_step, x, **dict(zip(names, torch_weights, strict=True))),
                   layer(x)).ok
    for original, back in zip(weights, gv.pytorch_to_keras(*torch_weights), strict=True):
        np.testing.assert_array_equal(original, back)


def test_papers_and_colah_are_keras_reset_before_up_to_the_update_gate(x):
    layer = keras_gru(False, use_bias=False, seed=6)
    kernel, recurrent_kernel = layer.get_weights()
    expected = layer(x)
    assert compare(run(gv.cho2014_step, x, **gv.keras_to_paper(kernel, recurrent_kernel)),
                   expected).ok
    chung = gv.keras_to_paper(kernel, recurrent_kernel, flip_update=True)
    assert compare(run(gv.chung2014_step, x, **chung), expected).ok
    assert not compare(run(gv.chung2014_step, x, **gv.keras_to_paper(kernel, recurrent_kernel)),
                       expected).ok
    assert compare(run(gv.colah_step, x, **gv.keras_to_colah(kernel, recurrent_kernel)),
                   expected).ok
    assert gv.keras_to_colah(kernel, recurrent_kernel)["W"].shape == (UNITS, UNITS + INPUT_DIM)


def test_d2l_is_keras_reset_before_renamed(x):
    layer = keras_gru(False, seed=11)
    d2l = gv.keras_to_d2l(*layer.get_weights())
    assert sorted(d2l) == sorted(f"{p}{g}" for g in "zrh" for p in ("W_x", "W_h", "b_"))
    assert compare(run(gv.d2l_step, x, **d2l), layer(x)).ok
    np.testing.assert_array_equal(d2l["W_hr"], layer.get_weights()[1][:, UNITS:2 * UNITS])
    no_bias = gv.keras_to_d2l(*layer.get_weights()[:2])
    assert not any(no_bias[f"b_{g}"].any() for g in "zrh")


def test_keras_default_gru_is_torch_nn_gru_itself(x):
    """Runs PyTorch's own module where torch is installed (skipped elsewhere)."""
    pytest.importorskip("torch")
    from rnnbook import conventions

    layer = keras_gru(True, seed=12)
    outputs, ran = conventions.pytorch_outputs(layer, x)
    assert ran == "torch.nn.GRU"
    assert compare(outputs, layer(x)).ok


def test_flip_update_gate_turns_z_into_one_minus_z(x):
    kernel, recurrent_kernel, bias = keras_gru(False, seed=7).get_weights()
    flipped = gv.flip_update_gate(kernel, recurrent_kernel, bias)
    h0 = np.zeros((3, UNITS), dtype="float32")
    _, gates = gv.keras_reset_before_step(x[:, 0], h0, kernel, recurrent_kernel, bias)
    _, flipped_gates = gv.keras_reset_before_step(x[:, 0], h0, *flipped)
    np.testing.assert_allclose(flipped_gates["z"], 1 - gates["z"], atol=1e-6)
    np.testing.assert_array_equal(flipped_gates["r"], gates["r"])
    assert gv.flip_update_gate(kernel, recurrent_kernel)[2] is None


def test_seed001_as_printed_disagrees_and_ignores_the_reset_gate(x):
    layer = keras_gru(False, use_bias=False, seed=8)
    kernel, recurrent_kernel = layer.get_weights()
    expected = layer(x)
    for flip in (False, True):
        seed = gv.keras_to_seed001(kernel, recurrent_kernel, flip_update=flip)
        assert not compare(run(gv.seed001_step, x, **seed), expected).ok
    seed = gv.keras_to_seed001(kernel, recurrent_kernel, flip_update=True)
    other_reset = {**seed, "W_r": seed["W_r"] + 1.0, "U_r": -seed["U_r"]}
    np.testing.assert_array_equal(run(gv.seed001_step, x, **seed),
                                  run(gv.seed001_step, x, **other_reset))
    # read with its fourth line as the candidate, it is Chung et al.'s GRU
    assert compare(run(gv.seed001_step, x, candidate_line=4, **seed), expected).ok


def test_reset_after_equals_reset_before_only_for_a_diagonal_candidate_matrix(x):
    before = keras_gru(False, seed=9)
    kernel, recurrent_kernel, bias = before.get_weights()
    after = keras.layers.GRU(UNITS, reset_after=True, return_sequences=True)
    after.build((None, None, INPUT_DIM))
    after.set_weights([kernel, recurrent_kernel, gv.reset_before_as_after(bias)])
    assert not compare(after(x), before(x)).ok
    diagonal = recurrent_kernel.copy()
    diagonal[:, 2 * UNITS:] = np.diag(np.diag(recurrent_kernel[:, 2 * UNITS:]))
    before.set_weights([kernel, diagonal, bias])
    after.set_weights([kernel, diagonal, gv.reset_before_as_after(bias)])
    assert compare(after(x), before(x)).ok
    # a recurrent candidate bias is multiplied by r: it has no reset_after=False counterpart
    with_recurrent_bias = gv.reset_before_as_after(bias)
    with_recurrent_bias[1, 2 * UNITS:] = 1.0
    after.set_weights([kernel, diagonal, with_recurrent_bias])
    assert not compare(after(x), before(x)).ok


# ---- the seed's plain-RNN claim ------------------------------------------------------------------

@pytest.mark.parametrize("reset_after,row", [(True, 0), (True, 1), (False, 0)])
def test_forced_gates_give_the_simple_rnn(x, reset_after, row):
    simple = make_layer("SimpleRNN", UNITS, INPUT_DIM, rng=np.random.default_rng(10),
                        return_sequences=True)
    gru = keras.layers.GRU(UNITS, reset_after=reset_after, return_sequences=True)
    gru.build((None, None, INPUT_DIM))
    weights = gv.plain_rnn_gru_weights(*simple.get_weights(), reset_after=reset_after,
                                       candidate_bias_row=row)
    assert [w.shape for w in weights] == [w.shape for w in gru.get_weights()]
    gru.set_weights(weights)
    assert compare(gru(x), simple(x)).ok
    gru.set_weights(gv.plain_rnn_gru_weights(*simple.get_weights(), gate_bias=2.0,
                                             reset_after=reset_after, candidate_bias_row=row))
    assert not compare(gru(x), simple(x)).ok


# ---- errors -------------------------------------------------------------------------------------

def test_errors():
    kernel, recurrent = np.zeros((2, 9)), np.zeros((3, 9))
    with pytest.raises(ValueError, match=r"expected kernel \(input_dim, 3\*units\)"):
        gv.keras_blocks(np.zeros((2, 8)), recurrent)
    with pytest.raises(ValueError, match=r"reset_after=True has a bias of shape \(2, 9\)"):
        gv.keras_blocks(kernel, recurrent, np.zeros(9))
    with pytest.raises(ValueError, match="candidate_line must be 3"):
        gv.seed001_step(np.zeros((1, 2)), np.zeros((1, 3)), *[np.zeros((2, 3))] * 6,
                        candidate_line=5)
    with pytest.raises(ValueError, match=r"inputs must be \(samples, timesteps, input_dim\)"):
        gv.unroll(gv.cho2014_step, np.zeros((4, 2)), 3)
    with pytest.raises(ValueError, match=r"initial_state must be \(samples, units\)"):
        gv.unroll(gv.cho2014_step, np.zeros((1, 4, 2)), 3, initial_state=np.zeros((1, 2)))
    with pytest.raises(ValueError, match="expected a SimpleRNN's kernel"):
        gv.plain_rnn_gru_weights(np.zeros((2, 3)), np.zeros((3, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="candidate_bias_row must be 0 or 1"):
        gv.plain_rnn_gru_weights(np.zeros((2, 3)), np.zeros((3, 3)), np.zeros(3),
                                 candidate_bias_row=2)
    with pytest.raises(ValueError, match=r"expected a reset_after=False bias"):
        gv.reset_before_as_after(np.zeros((2, 9)))


# ---- the hand-set GRUs of rnnbook.gru_memory ------------------------------------------------

EXPLORER = gru_memory.gru_explorer()
GRID = list(itertools.product(*(c.values for c in EXPLORER.controls)))


@pytest.mark.parametrize("sequence,update_bias,reset_bias", GRID[::3])
def test_one_unit_gru_is_what_keras_computes(sequence, update_bias, reset_bias):
    result = gru_memory.one_unit_gru(sequence, update_bias, reset_bias)
    gru = keras.layers.GRU(1, return_sequences=True)
    gru.build((None, None, 1))
    weights = result["weights"]
    gru.set_weights([weights["kernel"], weights["recurrent_kernel"], weights["bias"]])
    assert compare(result["h"], to_numpy(gru(result["x"].reshape(1, -1, 1)))[0, :, 0]).ok
    for gate in "zr":
        assert ((result[gate] >= 0) & (result[gate] <= 1)).all()
    # the reset gate is set by its bias alone
    np.testing.assert_allclose(result["r"], 1 / (1 + np.exp(-reset_bias)), atol=1e-6)


def test_retention_predicts_the_decay_of_a_small_state():
    for update_bias, reset_bias in [(2.0, 0.0), (0.0, -4.0), (4.0, 4.0)]:
        result = gru_memory.one_unit_gru("pulse", update_bias, reset_bias)
        _, _, kept = gru_memory.retention(update_bias, reset_bias)
        h = result["h"]
        assert h[-1] / h[-2] == pytest.approx(kept, abs=0.02)


def test_gru_remembers_with_a_large_update_bias():
    keep = gru_memory.one_unit_gru("pulse", update_bias=4.0, reset_bias=0.0)["h"]
    forget = gru_memory.one_unit_gru("pulse", update_bias=-2.0, reset_bias=-4.0)["h"]
    assert keep[-1] > 0.5 > 0.01 > abs(forget[-1])


def test_gru_view_and_explorer():
    html = gru_memory.gru_view("pulse", 2.0, 0.0)
    assert "<svg" in html and "z = &sigma;(b<sub>z</sub>) = 0.88" in html and "= 94%" in html
    assert isinstance(EXPLORER, Explorer) and EXPLORER.grid_size == len(GRID)
    assert EXPLORER.view(**EXPLORER.defaults) == gru_memory.gru_view()
    assert len(EXPLORER.static_html()) < 450_000


def test_marker_gru_and_lstm_are_what_keras_computes_and_remember():
    x = gru_memory.marker_input()
    assert x.shape == (1, 16, 2)
    gru = keras.layers.GRU(2, return_sequences=True)
    gru.build((None, None, 2))
    gru.set_weights(gru_memory.memory_gru_weights())
    lstm = keras.layers.LSTM(2, return_sequences=True)
    lstm.build((None, None, 2))
    lstm.set_weights(gru_memory.memory_lstm_weights())
    assert compare(reference.forward(gru, x), gru(x)).ok
    assert compare(reference.forward(lstm, x), lstm(x)).ok
    gru_trace, lstm_trace = reference.trace(gru, x), reference.trace(lstm, x)
    assert gru_trace["h"][0, -1, 0] > 0.8 and lstm_trace["c"][0, -1, 0] > 0.7
    assert gru_trace["z"][0, gru_memory.MARKER_STEP, 0] < 0.05
    fig = gru_memory.plot_lstm_vs_gru(x, lstm_trace, gru_trace)
    assert len(fig.axes) == 4
    plt.close(fig)


def test_side_by_side_colours_follow_the_job_of_each_gate():
    style = gru_memory.SIDE_BY_SIDE_STYLE
    assert style["z"][1] == style["f"][1] and style["1-z"][1] == style["i"][1]
    assert style["r"][1] not in {style[k][1] for k in "ifo"}
    assert "#F0E442" not in {entry[1] for entry in style.values()}    # Okabe-Ito yellow
    markers = {key: entry[2] for key, entry in style.items()}
    assert len({markers[k] for k in ("i", "f", "o")}) == 3


def test_gate_trace_figure_names_its_rows_and_is_taller():
    x = gru_memory.marker_input()
    gru = keras.layers.GRU(2, return_sequences=True)
    gru.build((None, None, 2))
    gru.set_weights(gru_memory.memory_gru_weights())
    traced = reference.trace(gru, x)
    plain = plots.gate_heatmaps(traced)
    fig = gru_memory.plot_gate_trace(traced)
    assert fig.get_size_inches()[1] == pytest.approx(1.2 * plain.get_size_inches()[1])
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 4
    for ax in panels:
        assert [t.get_text() for t in ax.get_yticklabels()] == ["unit 0", "unit 1"]
        assert len(ax.texts) == 2 * x.shape[1]
        assert len(ax.images[0].colorbar.get_ticks()) == 3
        assert ax.images[0].get_cmap().name != "cividis"
    plt.close(fig)
    plt.close(plain)


def test_parameter_counts_of_both_variants():
    # seed 001's table (27744 / 6240) is reset_after=False; Keras 3's default adds 3*units
    for reset_after, expected in [(False, (27744, 6240)), (True, (27840, 6336))]:
        counts = []
        for input_dim in (256, 32):
            layer = keras.layers.GRU(32, reset_after=reset_after)
            layer.build((None, None, input_dim))
            assert layer.count_params() == count_params("GRU", 32, input_dim,
                                                        reset_after=reset_after)
            counts.append(layer.count_params())
        assert tuple(counts) == expected
