"""What one training step of a recurrent layer keeps in memory, derived from its equations.

Besides the weights, training holds their gradients, the optimiser's slots (Adam: two per
weight) and the *activations* the backward pass reads: backpropagation through time walks
the steps in reverse and, at step ``t``, needs values the forward pass computed at ``t``.
Without recomputing anything, a step needs (per sample; ``m = input_dim``, ``n = units``;
Keras' names and gate order):

- SimpleRNN, ``h_t = tanh(x_t W + h_{t-1} U + b)``: ``x_t``, ``h_{t-1}`` and ``h_t``
  (``tanh' = 1 - h_t**2``);
- LSTM: ``x_t``, ``h_{t-1}``, ``c_{t-1}``, the gates ``i_t, f_t, o_t``, the candidate
  ``c~_t`` and ``tanh(c_t)``;
- GRU (``reset_after=True``): ``x_t``, ``h_{t-1}``, ``z_t``, ``r_t``, the candidate ``h~_t``
  and the candidate's recurrent product ``u_t = h_{t-1} U_h + b'_h`` (which ``r_t`` scales).

:func:`forward_with_cache` keeps exactly these, :func:`backward_from_cache` computes the
weight gradients from them alone (its test compares them with Keras' own gradients).
"""

import numpy as np

from rnnbook import params
from rnnbook.activations import sigmoid

#: What a step keeps for the backward pass: (name, size), size ``"m"`` or ``"n"``.
SAVED = {
    "SimpleRNN": (("x_t", "m"), ("h_{t-1}", "n"), ("h_t", "n")),
    "LSTM": (("x_t", "m"), ("h_{t-1}", "n"), ("c_{t-1}", "n"), ("i_t", "n"), ("f_t", "n"),
             ("c~_t", "n"), ("o_t", "n"), ("tanh(c_t)", "n")),
    "GRU": (("x_t", "m"), ("h_{t-1}", "n"), ("z_t", "n"), ("r_t", "n"), ("h~_t", "n"),
            ("u_t", "n")),
}
#: The states a step hands to the next (the next step keeps them as its h_{t-1}, c_{t-1}).
STATES = {"SimpleRNN": ("h_t",), "LSTM": ("h_t", "c_t"), "GRU": ("h_t",)}


def saved_per_step(kind, units, input_dim):
    """Floats one step keeps for the backward pass, per sample, by name (see :data:`SAVED`)."""
    kind = params.normalize_kind(kind)
    sizes = {"n": params.check_size("units", units),
             "m": params.check_size("input_dim", input_dim)}
    return {name: sizes[size] for name, size in SAVED[kind]}


def new_per_step(kind, units):
    """Floats per sample that one step creates and the backward pass keeps: the states it
    hands on and its gate values. ``x_t`` is the layer's input, already in memory, and
    ``h_{t-1}`` (``c_{t-1}``) was created by the step before.

    SimpleRNN ``n``; LSTM ``7n`` (``h_t, c_t, i_t, f_t, c~_t, o_t, tanh c_t``); GRU ``5n``
    (``h_t, z_t, r_t, h~_t, u_t``).
    """
    kind = params.normalize_kind(kind)
    n = params.check_size("units", units)
    read = {"x_t", "h_{t-1}", "c_{t-1}"}
    created = [name for name, _ in SAVED[kind] if name not in read and name not in STATES[kind]]
    return n * (len(STATES[kind]) + len(created))


def activation_floats(kind, units, timesteps, batch):
    """Floats of activations one layer keeps over a sequence: ``timesteps * batch *``
    :func:`new_per_step`."""
    steps, samples = (params.check_size(name, value) for name, value in
                      (("timesteps", timesteps), ("batch", batch)))
    return steps * samples * new_per_step(kind, units)


def training_bytes(parameters, activations, *, optimizer_slots=2, dtype="float32"):
    """Bytes one training step holds: weights, their gradients, the optimiser's slots
    (Adam keeps 2 per weight, plain SGD 0) and the activations, as a dict with ``total``."""
    for name, value in (("parameters", parameters), ("activations", activations),
                        ("optimizer_slots", optimizer_slots)):
        if isinstance(value, bool) or not hasattr(value, "__index__") or value < 0:
            raise ValueError(f"{name} must be a non-negative integer; got {value!r}")
    size = np.dtype(dtype).itemsize
    parts = {"weights": parameters * size, "gradients": parameters * size,
             "optimizer": optimizer_slots * parameters * size, "activations": activations * size}
    return {**parts, "total": sum(parts.values())}


def _check(kind, kernel, recurrent_kernel, bias):
    kind = params.normalize_kind(kind)
    kernel, recurrent_kernel, bias = (np.asarray(a, dtype=np.float64) for a in
                                      (kernel, recurrent_kernel, bias))
    k, n = len(params.GATES[kind]), recurrent_kernel.shape[0]
    expected_bias = (2, 3 * n) if kind == "GRU" else (k * n,)
    if (kernel.ndim != 2 or kernel.shape[1] != k * n or recurrent_kernel.shape != (n, k * n)
            or bias.shape != expected_bias):
        raise ValueError(
            f"expected {kind} weights kernel (input_dim, {k}*units), recurrent_kernel "
            f"(units, {k}*units) and bias {expected_bias}"
            + (" (reset_after=True)" if kind == "GRU" else "")
            + f"; got {kernel.shape}, {recurrent_kernel.shape}, {bias.shape}")
    return kind, kernel, recurrent_kernel, bias


def forward_with_cache(kind, kernel, recurrent_kernel, bias, inputs):
    """Run a Keras-default cell from zero states and keep what :data:`SAVED` names.

    Parameters
    ----------
    kind : ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"`` (``reset_after=True``); tanh and sigmoid.
    kernel, recurrent_kernel, bias : ``layer.get_weights()``.
    inputs : array ``(samples, timesteps, input_dim)``.

    Returns
    -------
    ``(outputs, cache)``: outputs ``(samples, timesteps, units)``; cache, a dict name ->
    array ``(timesteps, samples, size)`` for every name of ``SAVED[kind]``.
    """
    kind, W, U, b = _check(kind, kernel, recurrent_kernel, bias)
    x = np.asarray(inputs, dtype=np.float64)
    if x.ndim != 3 or x.shape[2] != W.shape[0]:
        raise ValueError(f"inputs must be (samples, timesteps, input_dim) with input_dim "
                         f"{W.shape[0]}; got shape {x.shape}")
    n = U.shape[0]
    h = np.zeros((x.shape[0], n))
    c = np.zeros_like(h)
    cache = {name: [] for name, _ in SAVED[kind]}
    outputs = []
    for t in range(x.shape[1]):
        x_t = x[:, t]
        saved = {"x_t": x_t, "h_{t-1}": h}
        if kind == "SimpleRNN":
            h = np.tanh(x_t @ W + h @ U + b)
            saved["h_t"] = h
        elif kind == "LSTM":
            i, f, g, o = np.split(x_t @ W + h @ U + b, 4, axis=1)
            i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
            saved.update({"c_{t-1}": c, "i_t": i, "f_t": f, "c~_t": g, "o_t": o})
            c = f * c + i * g
            saved["tanh(c_t)"] = np.tanh(c)
            h = o * saved["tanh(c_t)"]
        else:
            xz, xr, xh = np.split(x_t @ W + b[0], 3, axis=1)
            hz, hr, u = np.split(h @ U + b[1], 3, axis=1)
            z, r = sigmoid(xz + hz), sigmoid(xr + hr)
            candidate = np.tanh(xh + r * u)
            saved.update({"z_t": z, "r_t": r, "h~_t": candidate, "u_t": u})
            h = z * h + (1 - z) * candidate
        for name in cache:
            cache[name].append(saved[name])
        outputs.append(h)
    return np.stack(outputs, 1), {name: np.stack(values) for name, values in cache.items()}


def backward_from_cache(kind, kernel, recurrent_kernel, cache, d_outputs):
    """Backpropagation through time from the cache alone: the gradients of a loss with
    respect to ``[kernel, recurrent_kernel, bias]``, given ``d_outputs`` = dloss/doutputs
    ``(samples, timesteps, units)``. Reads nothing of the forward pass but ``cache``.

    Returns
    -------
    list of arrays shaped like ``layer.get_weights()``.
    """
    bias_shape = (2, recurrent_kernel.shape[1]) if params.normalize_kind(kind) == "GRU" else (
        recurrent_kernel.shape[1],)
    kind, W, U, _ = _check(kind, kernel, recurrent_kernel, np.zeros(bias_shape))
    missing = [name for name, _ in SAVED[kind] if name not in cache]
    if missing:
        raise KeyError(f"cache lacks {', '.join(missing)} (see training_memory.SAVED)")
    dy = np.asarray(d_outputs, dtype=np.float64)
    dW, dU, db = np.zeros_like(W), np.zeros_like(U), np.zeros(bias_shape)
    dh_next = np.zeros_like(dy[:, 0])
    dc_next = np.zeros_like(dh_next)
    for t in reversed(range(dy.shape[1])):
        s = {name: values[t] for name, values in cache.items()}
        dh = dy[:, t] + dh_next
        if kind == "SimpleRNN":
            da = dh * (1 - s["h_t"] ** 2)
            dx_part, dh_part = da, da
        elif kind == "LSTM":
            dc = dh * s["o_t"] * (1 - s["tanh(c_t)"] ** 2) + dc_next
            dc_next = dc * s["f_t"]
            i, f, g, o = s["i_t"], s["f_t"], s["c~_t"], s["o_t"]
            da = np.concatenate([dc * g * i * (1 - i), dc * s["c_{t-1}"] * f * (1 - f),
                                 dc * i * (1 - g ** 2), dh * s["tanh(c_t)"] * o * (1 - o)], 1)
            dx_part, dh_part = da, da
        else:
            z, r, candidate, u = s["z_t"], s["r_t"], s["h~_t"], s["u_t"]
            da_h = dh * (1 - z) * (1 - candidate ** 2)
            da_z = dh * (s["h_{t-1}"] - candidate) * z * (1 - z)
            da_r = da_h * u * r * (1 - r)
            dx_part = np.concatenate([da_z, da_r, da_h], 1)       # x_t W + b_input
            dh_part = np.concatenate([da_z, da_r, da_h * r], 1)   # h_{t-1} U + b_recurrent
        dW += s["x_t"].T @ dx_part
        dU += s["h_{t-1}"].T @ dh_part
        if kind == "GRU":
            db += np.stack([dx_part.sum(0), dh_part.sum(0)])
            dh_next = dh * z + dh_part @ U.T
        else:
            db += dx_part.sum(0)
            dh_next = dh_part @ U.T
    return [dW, dU, db]
