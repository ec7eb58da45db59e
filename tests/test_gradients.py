"""BPTT for the simple RNN in NumPy against the backend's autodiff on the same Keras layer."""

import keras
import numpy as np
import pytest
from conftest import make_layer

from rnnbook import backend, gradients
from rnnbook.backend import to_numpy

ATOL = 1e-5


def weights(layer):
    return [w.astype(np.float64) for w in layer.get_weights()]


@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
def test_state_jacobians_match_gradient_tape_at_every_lag(activation):
    layer = make_layer("SimpleRNN", 5, 3, activation=activation, scale=0.4)
    x = np.random.default_rng(1).normal(size=(9, 3))
    kernel, recurrent_kernel, bias = weights(layer)
    _, pre = gradients.simple_rnn_forward(kernel, recurrent_kernel, bias, x, activation)
    ours = gradients.state_jacobians(recurrent_kernel, pre, activation)
    theirs = gradients.keras_state_jacobians(layer, x)
    assert ours.shape == (10, 5, 5) and theirs.shape == (9, 5, 5)
    np.testing.assert_allclose(ours[:-1], theirs, atol=ATOL)
    np.testing.assert_array_equal(ours[-1], np.eye(5))   # lag 0: dh_T/dh_T


def test_forward_matches_keras_states():
    layer = make_layer("SimpleRNN", 4, 2)
    x = np.random.default_rng(2).normal(size=(7, 2)).astype(np.float32)
    states, _ = gradients.simple_rnn_forward(*weights(layer), x)
    sequence = keras.layers.SimpleRNN(4, return_sequences=True)
    sequence.build((None, None, 2))
    sequence.set_weights(layer.get_weights())
    np.testing.assert_allclose(states[1:], to_numpy(sequence(x[None]))[0], atol=ATOL)
    np.testing.assert_array_equal(states[0], np.zeros(4))


def test_one_step_jacobian_is_diag_derivative_times_u_transpose():
    rng = np.random.default_rng(3)
    u = rng.normal(size=(3, 3))
    a = rng.normal(size=(1, 3))
    jac = gradients.state_jacobians(u, a, "tanh")[0]
    np.testing.assert_allclose(jac, np.diag(1 - np.tanh(a[0]) ** 2) @ u.T)
    # finite differences on h_1 = tanh(h_0 U) around h_0 with a_1 = h_0 U
    h0 = np.linalg.solve(u.T, a[0])
    eps = 1e-6
    numeric = np.array([(np.tanh((h0 + eps * e) @ u) - np.tanh((h0 - eps * e) @ u)) / (2 * eps)
                        for e in np.eye(3)]).T
    np.testing.assert_allclose(jac, numeric, atol=1e-8)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="the reference here is TensorFlow's batch_jacobian; "
                           "tests/test_backend.py checks every backend by finite differences")
@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_input_jacobians_match_batch_jacobian(kind):
    import tensorflow as tf

    layer = make_layer(kind, 4, 2, scale=0.4)
    x = np.random.default_rng(4).normal(size=(3, 6, 2)).astype(np.float32)
    ours = gradients.keras_input_jacobians(layer, x)
    xv = tf.Variable(x)
    with tf.GradientTape(persistent=True) as tape:
        last = layer(xv)
    full = tape.batch_jacobian(last, xv, experimental_use_pfor=False).numpy()
    np.testing.assert_allclose(ours, np.moveaxis(full, 2, 1), atol=1e-6)


def test_numpy_input_norms_match_keras():
    layer = make_layer("SimpleRNN", 6, 2, scale=0.5)
    x = np.random.default_rng(5).normal(size=(8, 2))
    ours = gradients.gradient_norms(*weights(layer), x)
    theirs = gradients.keras_input_gradient_norms(layer, x[None])
    np.testing.assert_allclose(ours["input"], theirs, atol=ATOL)
    assert ours["lag"].tolist() == list(range(8))


def test_linear_orthogonal_norm_is_radius_to_the_lag():
    """With phi = identity, dh_T/dh_{T-l} = (U^T)^l whose norm is exactly rho^l."""
    for rho in (0.5, 1.0, 1.5):
        u = gradients.scaled_orthogonal(8, rho, seed=3)
        np.testing.assert_allclose(np.abs(np.linalg.eigvals(u)), rho)
        x = np.random.default_rng(0).normal(size=(12, 2))
        norms = gradients.gradient_norms(np.ones((2, 8)), u, np.zeros(8), x, "linear")
        np.testing.assert_allclose(norms["state"], rho ** np.arange(12), rtol=1e-9)


def test_tanh_norm_is_bounded_by_radius_to_the_lag():
    r = gradients.explorer_run(0.9, "tanh", 40)
    assert np.all(r["state"] <= 0.9 ** r["lag"] + 1e-12)
    assert r["state"][-1] < 1e-2


def test_explorer_view_over_its_whole_grid():
    explorer = gradients.explorer()
    views, index = explorer.static_views()
    assert len(index) == explorer.grid_size == 63
    assert len(explorer.static_html()) < 600_000
    html = gradients.explorer_view(2.0, "linear", 60)
    assert "<svg" in html and "lag 59" in html
    for rho in (0.05, 1.37, 2.0):
        for activation in gradients.ACTIVATIONS:
            assert np.isfinite(gradients.explorer_run(rho, activation, 60)["state"]).all()


@pytest.mark.parametrize("call,message", [
    (lambda: gradients.explorer_run(1.0, "sigmoidish", 10), "unknown activation"),
    (lambda: gradients.explorer_run(1.0, "tanh", 0), "timesteps must be a positive"),
    (lambda: gradients.scaled_orthogonal(4, -1.0), "spectral_radius must be"),
    (lambda: gradients.simple_rnn_forward(np.ones((2, 3)), np.eye(3), np.zeros(3),
                                          np.ones((5, 4))), "x must be"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_lag_curves_simple_rnn_part_matches_gradient_tape():
    curves = gradients.lag_curves(timesteps=12, radii=(0.5, 2.0), units=6, samples=2)
    assert list(curves) == ["SimpleRNN, radius 0.5", "SimpleRNN, radius 2", "LSTM", "GRU"]
    x = np.random.default_rng(0).normal(size=(2, 12, 2))
    layer = gradients.keras_layer_for_lag_curve("SimpleRNN", 6, spectral_radius=2.0)
    np.testing.assert_allclose(curves["SimpleRNN, radius 2"],
                               gradients.keras_input_gradient_norms(layer, x), rtol=1e-4)
    assert curves["SimpleRNN, radius 0.5"][-1] < 1e-3 < curves["SimpleRNN, radius 2"][-1]
    lstm = gradients.keras_layer_for_lag_curve("LSTM", 6)
    np.testing.assert_array_equal(lstm.get_weights()[2][6:12], 1.0)   # forget bias 1
    assert gradients.plot_lag_curves(curves).axes[0].get_yscale() == "log"


def test_plot_lag_curves_draws_values_unclamped_below_the_axis():
    curves = {"SimpleRNN, radius 0.5": 0.5 ** np.arange(100.0), "LSTM": 0.9 ** np.arange(100.0)}
    fig = gradients.plot_lag_curves(curves, ylim=(1e-20, 1e2))
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    simple, lstm = lines["SimpleRNN, radius 0.5"], lines["LSTM"]
    np.testing.assert_array_equal(simple.get_ydata(), 0.5 ** np.arange(100.0))
    assert simple.get_ydata().min() < 1e-29      # no floor at 1e-30
    assert ax.get_ylim() == (1e-20, 1e2)
    assert lstm.get_linestyle() == "-" and simple.get_linestyle() == "--"
    assert lstm.get_marker() != simple.get_marker()
    yellow = "#f0e442"
    assert all(matplotlib_hex(line.get_color()) != yellow for line in ax.get_lines())


def matplotlib_hex(color):
    from matplotlib.colors import to_hex

    return to_hex(color)


def test_recurrent_kernel_gradient_terms_sum_to_the_tape_gradient():
    layer = make_layer("SimpleRNN", 5, 3, scale=0.4)
    x = np.random.default_rng(6).normal(size=(12, 3))
    g = np.random.default_rng(7).normal(size=5)
    terms = gradients.recurrent_kernel_gradient_terms(*weights(layer), x, g)
    assert terms.shape == (12, 5, 5)
    np.testing.assert_array_equal(terms[0], 0.0)       # h_{-1} = 0: the first step adds nothing
    xv = keras.ops.convert_to_tensor(x[None].astype(np.float32))
    gv = keras.ops.convert_to_tensor(g.astype(np.float32))

    def loss(recurrent_kernel):  # the layer run with recurrent_kernel in place of its own
        values = [recurrent_kernel if v is layer.cell.recurrent_kernel else v.value
                  for v in layer.trainable_variables]
        outputs, _ = layer.stateless_call(
            values, [v.value for v in layer.non_trainable_variables], xv)
        return keras.ops.sum(outputs * gv)

    by_autodiff = backend.gradient(loss, to_numpy(layer.cell.recurrent_kernel))
    np.testing.assert_allclose(terms.sum(axis=0), by_autodiff, atol=ATOL)
    with pytest.raises(ValueError, match="output_gradient must be"):
        gradients.recurrent_kernel_gradient_terms(*weights(layer), x, np.ones(4))


def test_decay_rate_recovers_a_geometric_factor():
    assert gradients.decay_rate(0.8 ** np.arange(50.0), 10, 49) == pytest.approx(0.8)
    assert gradients.decay_rate(3.0 * 1.1 ** np.arange(20.0), 0, 19) == pytest.approx(1.1)
    with pytest.raises(ValueError, match="first_lag < last_lag"):
        gradients.decay_rate(np.ones(5), 3, 7)
    with pytest.raises(ValueError, match="positive"):
        gradients.decay_rate(np.zeros(5), 0, 4)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_numeric_input_jacobian_matches_the_tape(kind):
    layer = make_layer(kind, 4, 2, scale=0.5)
    x = np.random.default_rng(8).normal(size=(7, 2))
    by_tape = gradients.keras_input_jacobians(layer, x[None])[0]
    for t in (0, 3, 6):
        np.testing.assert_allclose(gradients.numeric_input_jacobian(layer, x, t), by_tape[t],
                                   atol=1e-5)
    with pytest.raises(ValueError, match="t must be a step"):
        gradients.numeric_input_jacobian(layer, x, 7)
    with pytest.raises(ValueError, match="x must be"):
        gradients.numeric_input_jacobian(layer, x[None], 0)


def test_explorer_view_has_round_ticks_named_axes_and_no_yellow():
    html = gradients.explorer_view(1.0, "tanh", 30)
    assert "against the lag" in html and "step t" in html and "#F0E442" not in html
    assert gradients._round_limits([-13.2, 0.4]) == (-20.0, 10.0)
    assert gradients._round_limits([-3.0, 1.0]) == (-10.0, 10.0)
    assert gradients._round_limits([-80.0, 50.0]) == (-30.0, 30.0)
