"""The hand-set GRU of rnnbook.gru_reset: checked against Keras, and it forgets on the cue."""

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnbook import gru_reset, reference
from rnnbook.backend import to_numpy
from rnnbook.verify import compare

CUE = gru_reset.CUE_STEP


def reset_gru(**weights):
    gru = keras.layers.GRU(2, return_sequences=True)
    gru.build((None, None, 2))
    gru.set_weights(gru_reset.reset_gru_weights(**weights))
    return gru


def test_phrase_input_holds_two_phrases_and_one_cue():
    x = gru_reset.phrase_input(0.5)
    assert x.shape == (1, gru_reset.TIMESTEPS, 2) and x.dtype == np.float32
    np.testing.assert_array_equal(x[0, :CUE, 0], 0.5)
    np.testing.assert_allclose(x[0, CUE:, 0], gru_reset.SECOND_PHRASE, rtol=1e-6)
    assert x[0, :, 1].sum() == 1 and x[0, CUE, 1] == 1


def test_phrase_input_refuses_a_cue_outside_the_sequence():
    with pytest.raises(ValueError, match="cue_step must leave"):
        gru_reset.phrase_input(cue_step=0)
    with pytest.raises(ValueError, match="cue_step must leave"):
        gru_reset.phrase_input(timesteps=20)


def test_reference_trace_is_what_keras_computes():
    gru = reset_gru()
    for first in (0.5, -0.5, 0.0):
        x = gru_reset.phrase_input(first)
        assert compare(reference.trace(gru, x)["h"], gru(x)).ok


def test_the_cue_closes_unit_0s_reset_gate_only():
    traced = reference.trace(reset_gru(), gru_reset.phrase_input())
    r = traced["r"][0]
    assert r[CUE, 0] < 1e-8 and (np.delete(r[:, 0], CUE) > 0.9999).all()
    assert (r[:, 1] > 0.9999).all()
    assert (traced["z"] < 1e-8).all()            # both units take the candidate
    np.testing.assert_allclose(traced["candidate"][0, CUE, 0],
                               np.tanh(gru_reset.SECOND_PHRASE[0]), atol=1e-6)


def test_after_the_cue_unit_0_has_forgotten_the_first_phrase_and_unit_1_has_not():
    gru = reset_gru()
    a, b = (to_numpy(gru(gru_reset.phrase_input(v))) for v in (0.5, -0.5))
    assert compare(a[:, CUE:, 0], b[:, CUE:, 0]).ok
    assert not compare(a[:, :CUE, 0], b[:, :CUE, 0]).ok
    assert compare(a[:, CUE:, 1], b[:, CUE:, 1]).max_difference > 0.5


def test_without_the_cue_weight_unit_0_remembers_too():
    gru = reset_gru(cue_weight=0.0)
    a, b = (to_numpy(gru(gru_reset.phrase_input(v))) for v in (0.5, -0.5))
    assert compare(a[:, CUE:, 0], b[:, CUE:, 0]).max_difference > 0.5


def test_plot_reset_trace_draws_three_panels():
    gru = reset_gru()
    inputs = {name: gru_reset.phrase_input(v) for name, v in (("A", 0.5), ("B", -0.5))}
    traces = {name: reference.trace(gru, x) for name, x in inputs.items()}
    fig = gru_reset.plot_reset_trace(inputs, traces)
    assert len(fig.axes) == 3
    assert [len(ax.get_lines()) for ax in fig.axes] == [3, 3, 5]   # incl. the cue line
    plt.close(fig)
