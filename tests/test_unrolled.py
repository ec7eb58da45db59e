"""The unrolled SimpleRNN loop, its gradients, its cost, the answer plot and the step-through-time
explorer."""

import itertools
import re

import keras
import matplotlib
import numpy as np
import pytest
from conftest import ATOL, RTOL, make_layer

from rnnbook import params, reference, unrolled
from rnnbook.backend import to_numpy

matplotlib.use("Agg")


@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("with_initial_state", [False, True])
def test_unroll_matches_keras_at_every_step(rng, use_bias, with_initial_state):
    layer = make_layer("SimpleRNN", 4, 3, rng=rng, return_sequences=True, use_bias=use_bias)
    x = rng.normal(size=(5, 7, 3)).astype("float32")
    h0 = rng.normal(size=(5, 4)).astype("float32") if with_initial_state else None
    weights = layer.get_weights()
    run = unrolled.unroll(x, weights[0], weights[1], weights[2] if use_bias else None,
                          initial_state=h0)
    expected = layer(x, initial_state=[h0]) if with_initial_state else layer(x)
    np.testing.assert_allclose(run["h"], to_numpy(expected), atol=ATOL, rtol=RTOL)


def test_unroll_records_each_part_of_the_step(rng):
    layer = make_layer("SimpleRNN", 3, 2, rng=rng)
    kernel, recurrent_kernel, bias = layer.get_weights()
    x = rng.normal(size=(2, 5, 2))
    run = unrolled.unroll(x, kernel, recurrent_kernel, bias)
    np.testing.assert_array_equal(run["h_prev"][:, 0], 0)
    np.testing.assert_array_equal(run["h_prev"][:, 1:], run["h"][:, :-1])
    np.testing.assert_allclose(run["input_part"], x @ kernel)
    np.testing.assert_allclose(run["recurrent_part"], run["h_prev"] @ recurrent_kernel)
    np.testing.assert_allclose(run["pre"], run["input_part"] + run["recurrent_part"] + bias)
    np.testing.assert_allclose(run["h"], np.tanh(run["pre"]))
    assert all(v.shape == (2, 5, 3) and v.dtype == np.float64 for v in run.values())


@pytest.mark.parametrize("bad, message", [
    (dict(x=np.zeros((4, 2))), "x must be 3-D"),
    (dict(kernel=np.zeros((3, 3))), r"kernel must be \(input_dim, units\)"),
    (dict(recurrent_kernel=np.zeros((3, 2))), "recurrent_kernel must be square"),
    (dict(bias=np.zeros(2)), r"bias must be \(units,\)"),
    (dict(initial_state=np.zeros((1, 3))), r"initial_state must be \(samples, units\)"),
])
def test_unroll_rejects_wrong_shapes(bad, message):
    arguments = dict(x=np.zeros((2, 4, 2)), kernel=np.zeros((2, 3)),
                     recurrent_kernel=np.zeros((3, 3)), bias=np.zeros(3), initial_state=None)
    arguments.update(bad)
    with pytest.raises(ValueError, match=message):
        unrolled.unroll(**arguments)


@pytest.mark.parametrize("timesteps, input_dim, units", [(1, 1, 1), (7, 3, 5), (256, 256, 32)])
def test_multiply_adds_count_the_two_matrix_products(timesteps, input_dim, units):
    # Count by the shapes of the products actually done, one step at a time.
    per_step = input_dim * units + units * units
    assert unrolled.multiply_adds(timesteps, input_dim, units) == timesteps * per_step
    assert unrolled.multiply_adds(2 * timesteps, input_dim, units) == \
        2 * unrolled.multiply_adds(timesteps, input_dim, units)


def test_parameters_do_not_grow_with_timesteps_but_multiply_adds_do():
    counts = []
    for timesteps in (2, 20):
        model = keras.Sequential([keras.Input((timesteps, 3)), keras.layers.SimpleRNN(4)])
        counts.append(model.count_params())
    assert counts == [params.count_params("SimpleRNN", 4, 3)] * 2
    assert unrolled.multiply_adds(20, 3, 4) == 10 * unrolled.multiply_adds(2, 3, 4)


@pytest.mark.parametrize("args, error, message", [
    ((0, 1, 1), ValueError, "timesteps must be a positive integer"),
    ((3, 1.5, 1), TypeError, "input_dim must be a positive integer"),
    ((3, 1, -2), ValueError, "units must be a positive integer"),
])
def test_multiply_adds_rejects_bad_sizes(args, error, message):
    with pytest.raises(error, match=message):
        unrolled.multiply_adds(*args)


@pytest.mark.parametrize("name", unrolled.SEQUENCES.values())
@pytest.mark.parametrize("input_dim", [1, 2, 3])
def test_input_sequences_have_their_shape_and_delayed_channels(name, input_dim):
    x = unrolled.input_sequence(name, 6, input_dim)
    assert x.shape == (6, input_dim)
    for k in range(1, input_dim):
        np.testing.assert_array_equal(x[k:, k], x[:-k, 0])
        np.testing.assert_array_equal(x[:k, k], 0)
    assert np.abs(x).max() <= 1


def test_input_sequence_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown sequence 'sine'.*'pulse'"):
        unrolled.input_sequence("sine")


@pytest.mark.parametrize("sizes", unrolled.SIZES.values())
def test_example_weights_have_keras_shapes_and_run_in_keras(sizes, rng):
    input_dim, units = sizes
    weights = unrolled.example_weights(input_dim, units)
    layer = keras.layers.SimpleRNN(units, return_sequences=True)
    layer.build((None, None, input_dim))
    layer.set_weights([weights["kernel"], weights["recurrent_kernel"], weights["bias"]])
    x = unrolled.input_sequence("noise", unrolled.TIMESTEPS, input_dim)[None]
    run = unrolled.unroll(x, **weights)
    np.testing.assert_allclose(run["h"], to_numpy(layer(x.astype("float32"))), atol=ATOL,
                               rtol=RTOL)
    np.testing.assert_allclose(run["h"][0], reference.trace(layer, x.astype("float32"))["h"][0],
                               atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("t, sequence, sizes", list(itertools.product(
    range(unrolled.TIMESTEPS), unrolled.SEQUENCES.values(), unrolled.SIZES.values())))
def test_step_numbers_over_the_explorers_whole_range(t, sequence, sizes):
    r = unrolled.step_numbers(t, sequence, sizes)
    input_dim, units = sizes
    w = r["weights"]
    assert r["x_t"].shape == (input_dim,) and r["h_t"].shape == (units,)
    expected_prev = r["h"][t - 1] if t else np.zeros(units)
    np.testing.assert_array_equal(r["h_prev"], expected_prev)
    np.testing.assert_allclose(r["h_t"], np.tanh(r["x_t"] @ w["kernel"] + expected_prev
                                                 @ w["recurrent_kernel"] + w["bias"]))
    np.testing.assert_array_equal(r["h_t"], r["h"][t])
    view = unrolled.step_view(t, sequence, sizes)
    assert view.startswith("<svg") and f"{r['h_t'][0]:.2f}" in view
    assert view.count("tanh</text>") == unrolled.TIMESTEPS


@pytest.mark.parametrize("t", [-1, unrolled.TIMESTEPS, 1.0, True])
def test_step_numbers_reject_steps_outside_the_sequence(t):
    with pytest.raises(ValueError, match=r"t must be an integer step in \[0, 5\]"):
        unrolled.step_numbers(t)


def test_the_view_changes_with_every_control():
    base = unrolled.step_view(1, "pulse", (1, 2))
    assert unrolled.step_view(2, "pulse", (1, 2)) != base
    assert unrolled.step_view(1, "noise", (1, 2)) != base
    assert unrolled.step_view(1, "pulse", (2, 3)) != base


def test_svg_highlights_one_step_and_fades_the_later_ones():
    svg = unrolled.unrolled_svg(5, 2)
    assert svg.count('opacity="0.35"') == 2
    assert svg.count(f'stroke="{unrolled._HIGHLIGHT}"') == 1
    assert svg.count(">W</text>") == svg.count(">U</text>") == 5
    assert re.search(r'aria-label="A SimpleRNN unrolled over 5 time steps', svg)


def test_explorer_grid_is_complete_and_light():
    explorer = unrolled.step_explorer()
    views, index = explorer.static_views()
    assert len(index) == explorer.grid_size == unrolled.TIMESTEPS * len(unrolled.SEQUENCES) \
        * len(unrolled.SIZES)
    assert views[index["3|1|1"]] == unrolled.step_view(3, "ramp", (2, 3))
    assert len(explorer.static_html()) < 450_000


def keras_input_gradient(layer, x, chunk=None):
    """d(sum of the last output) / dx by GradientTape; in stateful chunks if ``chunk``."""
    import tensorflow as tf

    x = tf.constant(x.astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        steps = x.shape[1]
        outputs = [layer(x[:, s:s + chunk]) for s in range(0, steps, chunk)] if chunk \
            else [layer(x)]
        last = tf.reduce_sum(outputs[-1][:, -1])
    return tape.gradient(last, x).numpy()


@pytest.mark.parametrize("use_bias", [True, False])
def test_input_gradients_match_gradient_tape_through_the_whole_sequence(rng, use_bias):
    layer = make_layer("SimpleRNN", 4, 3, rng=rng, return_sequences=True, use_bias=use_bias)
    x = rng.normal(size=(2, 7, 3))
    weights = layer.get_weights()
    ours = unrolled.input_gradients(x, weights[0], weights[1], weights[2] if use_bias else None)
    np.testing.assert_allclose(ours, keras_input_gradient(layer, x), atol=ATOL, rtol=1e-4)
    assert np.all(np.abs(ours[:, 0]) > 0)


@pytest.mark.parametrize("timesteps, chunk", [(8, 4), (9, 4), (7, 3), (6, 1)])
def test_truncated_input_gradients_match_stateful_chunks_and_stop_at_the_edge(rng, timesteps,
                                                                              chunk):
    whole = make_layer("SimpleRNN", 4, 3, rng=rng, return_sequences=True)
    stateful = keras.layers.SimpleRNN(4, return_sequences=True, stateful=True)
    stateful.build((2, chunk, 3))
    stateful.set_weights(whole.get_weights())
    x = rng.normal(size=(2, timesteps, 3))
    ours = unrolled.input_gradients(x, *whole.get_weights(), chunk=chunk)
    np.testing.assert_allclose(ours, keras_input_gradient(stateful, x, chunk), atol=ATOL,
                               rtol=1e-4)
    edge = (timesteps - 1) // chunk * chunk
    assert np.all(ours[:, :edge] == 0) and np.all(np.abs(ours[:, edge:]) > 0)
    np.testing.assert_allclose(ours[:, edge:],
                               unrolled.input_gradients(x, *whole.get_weights())[:, edge:])


def test_a_chunk_as_long_as_the_sequence_truncates_nothing(rng):
    weights = make_layer("SimpleRNN", 3, 2, rng=rng).get_weights()
    x = rng.normal(size=(2, 5, 2))
    np.testing.assert_array_equal(unrolled.input_gradients(x, *weights, chunk=5),
                                  unrolled.input_gradients(x, *weights))


@pytest.mark.parametrize("chunk, error", [(0, ValueError), (2.5, TypeError)])
def test_input_gradients_reject_bad_chunks(chunk, error):
    with pytest.raises(error, match="chunk must be a positive integer"):
        unrolled.input_gradients(np.zeros((1, 4, 2)), np.zeros((2, 3)), np.zeros((3, 3)),
                                 chunk=chunk)



def test_answer_plot_has_one_panel_per_input_with_its_points():
    answer = np.array([0.5, -1.0, 2.0])
    inputs = {"$x_0$": np.array([0.1, -0.2, 0.3]), "$x_{11}$": np.array([0.0, 0.4, -0.9])}
    fig = unrolled.plot_answer_against_inputs(answer, inputs, title="t")
    assert [ax.get_xlabel() for ax in fig.axes] == list(inputs)
    for ax, values in zip(fig.axes, inputs.values(), strict=True):
        np.testing.assert_array_equal(ax.collections[0].get_offsets(),
                                      np.column_stack([values, answer]))
    matplotlib.pyplot.close(fig)


@pytest.mark.parametrize("answer, inputs, message", [
    (np.zeros((3, 1)), {"x": np.zeros(3)}, r"answer must be \(samples,\)"),
    (np.zeros(3), {}, "a non-empty dict"),
    (np.zeros(3), {"x": np.zeros(4)}, r"inputs\['x'\] must be \(samples,\) = \(3,\)"),
])
def test_answer_plot_rejects_mismatched_shapes(answer, inputs, message):
    with pytest.raises(ValueError, match=message):
        unrolled.plot_answer_against_inputs(answer, inputs)
