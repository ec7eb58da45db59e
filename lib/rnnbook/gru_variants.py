"""The GRU as each source writes it, in NumPy, and the weight maps that show which are one model.

Sources: Keras 3 (``reset_after=True``, its default, and ``reset_after=False``), PyTorch's
``nn.GRU`` (its documented equations and weight layout; PyTorch itself is not needed),
Cho et al. 2014, Chung et al. 2014, the GRU figure of colah's "Understanding LSTM Networks"
(2015), the GRU of *Dive into Deep Learning* (d2l), and the GRU block of the seed article 001,
implemented exactly as printed.

Rows are samples: ``x_t`` is ``(samples, input_dim)`` and ``h_prev`` is ``(samples, units)``.
Keras' weights are ``kernel (input_dim, 3*units)``, ``recurrent_kernel (units, 3*units)`` and
``bias`` ``(3*units,)`` (``reset_after=False``) or ``(2, 3*units)`` (``reset_after=True``: row 0
is added to ``x_t W``, row 1 to ``h_{t-1} U``), gate blocks in the order z, r, h. The papers
write matrices acting on column vectors, ``W (units, input_dim)``; their functions here keep
that orientation, so the map from Keras is a transpose. Every step function returns
``(h_t, internals)`` like :mod:`rnnbook.cells`.
"""

import numpy as np

from rnnbook.activations import sigmoid

GATE_ORDER = ("z", "r", "h")  # Keras' blocks, left to right


# ---- Keras 3, written out gate by gate -----------------------------------------------------

def keras_blocks(kernel, recurrent_kernel, bias=None, *, reset_after=True):
    """Split Keras' GRU weights into named gate blocks.

    Returns
    -------
    dict with ``W_z, W_r, W_h`` ``(input_dim, units)`` (column blocks of ``kernel``),
    ``U_z, U_r, U_h`` ``(units, units)`` (of ``recurrent_kernel``), the input biases
    ``b_z, b_r, b_h`` ``(units,)`` and the recurrent biases ``rb_z, rb_r, rb_h`` ``(units,)``
    (``bias[1]`` for ``reset_after=True``; zeros otherwise, and all zeros without a bias).
    """
    kernel, recurrent_kernel = np.asarray(kernel), np.asarray(recurrent_kernel)
    units = recurrent_kernel.shape[0]
    if kernel.ndim != 2 or kernel.shape[1] != 3 * units or recurrent_kernel.shape != (
            units, 3 * units):
        raise ValueError(
            f"expected kernel (input_dim, 3*units) and recurrent_kernel (units, 3*units) in "
            f"Keras' GRU layout; got {kernel.shape} and {recurrent_kernel.shape}")
    expected_bias = (2, 3 * units) if reset_after else (3 * units,)
    if bias is None:
        bias = np.zeros(expected_bias, dtype=kernel.dtype)
    bias = np.asarray(bias)
    if bias.shape != expected_bias:
        raise ValueError(
            f"a GRU with reset_after={reset_after} has a bias of shape {expected_bias} "
            f"(units={units}); got {bias.shape}")
    input_bias, recurrent_bias = (bias[0], bias[1]) if reset_after else (bias, 0 * bias)
    blocks = {}
    for name, W, U, b, rb in zip(GATE_ORDER, np.split(kernel, 3, axis=1),
                                 np.split(recurrent_kernel, 3, axis=1),
                                 np.split(input_bias, 3), np.split(recurrent_bias, 3),
                                 strict=True):
        blocks.update({f"W_{name}": W, f"U_{name}": U, f"b_{name}": b, f"rb_{name}": rb})
    return blocks


def keras_reset_after_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    """One step of ``keras.layers.GRU(reset_after=True)`` (the default), gate by gate.

    ``bias`` is ``(2, 3*units)``. The reset gate multiplies ``h_{t-1} U_h + rb_h``, *after*
    the matrix product, recurrent bias included.
    """
    w = keras_blocks(kernel, recurrent_kernel, bias, reset_after=True)
    z = sigmoid(x_t @ w["W_z"] + w["b_z"] + h_prev @ w["U_z"] + w["rb_z"])   # update gate
    r = sigmoid(x_t @ w["W_r"] + w["b_r"] + h_prev @ w["U_r"] + w["rb_r"])   # reset gate
    candidate = np.tanh(x_t @ w["W_h"] + w["b_h"] + r * (h_prev @ w["U_h"] + w["rb_h"]))
    h = z * h_prev + (1 - z) * candidate   # z = 1 keeps the old state
    return h, {"z": z, "r": r, "candidate": candidate, "h": h}


def keras_reset_before_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    """One step of ``keras.layers.GRU(reset_after=False)``, gate by gate.

    ``bias`` is ``(3*units,)``. The reset gate multiplies ``h_{t-1}`` *before* ``U_h``.
    """
    w = keras_blocks(kernel, recurrent_kernel, bias, reset_after=False)
    z = sigmoid(x_t @ w["W_z"] + h_prev @ w["U_z"] + w["b_z"])
    r = sigmoid(x_t @ w["W_r"] + h_prev @ w["U_r"] + w["b_r"])
    candidate = np.tanh(x_t @ w["W_h"] + (r * h_prev) @ w["U_h"] + w["b_h"])
    h = z * h_prev + (1 - z) * candidate
    return h, {"z": z, "r": r, "candidate": candidate, "h": h}


# ---- the other conventions ------------------------------------------------------------------

def pytorch_step(x_t, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    """One step of PyTorch's ``nn.GRU`` as its documentation writes it.

    ``weight_ih (3*units, input_dim)`` and ``weight_hh (3*units, units)`` hold the row blocks
    r, z, n (reset, update, new); ``bias_ih`` and ``bias_hh`` are ``(3*units,)``.
    """
    W_ir, W_iz, W_in = np.split(np.asarray(weight_ih), 3, axis=0)
    W_hr, W_hz, W_hn = np.split(np.asarray(weight_hh), 3, axis=0)
    b_ir, b_iz, b_in = np.split(np.asarray(bias_ih), 3)
    b_hr, b_hz, b_hn = np.split(np.asarray(bias_hh), 3)
    r = sigmoid(x_t @ W_ir.T + b_ir + h_prev @ W_hr.T + b_hr)
    z = sigmoid(x_t @ W_iz.T + b_iz + h_prev @ W_hz.T + b_hz)
    n = np.tanh(x_t @ W_in.T + b_in + r * (h_prev @ W_hn.T + b_hn))
    h = (1 - z) * n + z * h_prev
    return h, {"z": z, "r": r, "candidate": n, "h": h}


def cho2014_step(x_t, h_prev, W_z, U_z, W_r, U_r, W, U):
    """One step of Cho et al. (2014), Section 2.3: reset before ``U``, ``z = 1`` keeps the state.

    The paper writes no biases. ``W_*`` are ``(units, input_dim)``, ``U_*`` ``(units, units)``.
    """
    r = sigmoid(x_t @ W_r.T + h_prev @ U_r.T)
    z = sigmoid(x_t @ W_z.T + h_prev @ U_z.T)
    candidate = np.tanh(x_t @ W.T + (r * h_prev) @ U.T)
    h = z * h_prev + (1 - z) * candidate
    return h, {"z": z, "r": r, "candidate": candidate, "h": h}


def chung2014_step(x_t, h_prev, W_z, U_z, W_r, U_r, W, U):
    """One step of Chung et al. (2014), Section 3.2: as Cho's, but ``z = 1`` takes the candidate.

    Shapes as :func:`cho2014_step`.
    """
    z = sigmoid(x_t @ W_z.T + h_prev @ U_z.T)
    r = sigmoid(x_t @ W_r.T + h_prev @ U_r.T)
    candidate = np.tanh(x_t @ W.T + (r * h_prev) @ U.T)
    h = (1 - z) * h_prev + z * candidate
    return h, {"z": z, "r": r, "candidate": candidate, "h": h}


def colah_step(x_t, h_prev, W_z, W_r, W):
    """One step of the GRU in colah's figure: each matrix acts on ``[h_{t-1}, x_t]``.

    ``W_z, W_r, W`` are ``(units, units + input_dim)``; no biases; ``z = 1`` takes the candidate.
    """
    hx = np.concatenate([h_prev, x_t], axis=-1)
    z = sigmoid(hx @ W_z.T)
    r = sigmoid(hx @ W_r.T)
    candidate = np.tanh(np.concatenate([r * h_prev, x_t], axis=-1) @ W.T)
    h = (1 - z) * h_prev + z * candidate
    return h, {"z": z, "r": r, "candidate": candidate, "h": h}


def d2l_step(x_t, h_prev, W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h):
    """One step of the GRU of *Dive into Deep Learning* (d2l), section "Gated Recurrent Units".

    Row vectors as in Keras: ``W_x*`` are ``(input_dim, units)``, ``W_h*`` ``(units, units)``,
    biases ``(units,)``; reset before ``W_hh``, ``z = 1`` keeps the state.
    """
    r = sigmoid(x_t @ W_xr + h_prev @ W_hr + b_r)
    z = sigmoid(x_t @ W_xz + h_prev @ W_hz + b_z)
    candidate = np.tanh(x_t @ W_xh + (r * h_prev) @ W_hh + b_h)
    h = z * h_prev + (1 - z) * candidate
    return h, {"z": z, "r": r, "candidate": candidate, "h": h}


def seed001_step(x_t, h_prev, U_z, W_z, U_r, W_r, U_h, W_h, U_n=None, W_n=None, *,
                 candidate_line=3):
    """The GRU block of seed article 001, line by line as printed.

    The seed writes row vectors times matrices, with ``U`` for the input weights
    ``(input_dim, units)`` and ``W`` for the recurrent ones ``(units, units)`` (the reverse of
    this book's letters). Its five lines, executed in order::

        z_t  = sigmoid(x_t U^z + h_{t-1} W^z)
        r_t  = sigmoid(x_t U^r + h_{t-1} W^r)
        h~_t = tanh(x_t U^h + (z_t * h_{t-1}) W^h)      # z, not r, inside the candidate
        h_t  = tanh(x_t U^n + (r_t * h_{t-1}) W^n)      # a second "h_t", overwritten below
        h_t  = (1 - z_t) * h_{t-1} + z_t * h~_t

    As printed (``candidate_line=3``) the reset gate never reaches ``h_t``.
    ``candidate_line=4`` reads the fourth line as the candidate instead (its ``U^n, W^n``
    default to ``U^h, W^h``), which is Chung et al.'s GRU.
    """
    if candidate_line not in (3, 4):
        raise ValueError(f"candidate_line must be 3 (as printed) or 4; got {candidate_line!r}")
    U_n = U_h if U_n is None else U_n
    W_n = W_h if W_n is None else W_n
    z = sigmoid(x_t @ U_z + h_prev @ W_z)
    r = sigmoid(x_t @ U_r + h_prev @ W_r)
    line3 = np.tanh(x_t @ U_h + (z * h_prev) @ W_h)
    line4 = np.tanh(x_t @ U_n + (r * h_prev) @ W_n)
    candidate = line3 if candidate_line == 3 else line4
    h = (1 - z) * h_prev + z * candidate
    return h, {"z": z, "r": r, "candidate": candidate, "h": h}


# ---- running a step over a sequence ---------------------------------------------------------

def unroll(step, inputs, units, *, initial_state=None, **weights):
    """Loop ``step(x_t, h_prev, **weights)`` over time from ``h_0`` (zeros unless given).

    Parameters
    ----------
    step : one of this module's step functions.
    inputs : array_like, ``(samples, timesteps, input_dim)``.
    units : int, the size of the state.
    initial_state : array ``(samples, units)``, optional.
    **weights : the step's weights by name (e.g. ``**keras_to_paper(kernel, recurrent_kernel)``).

    Returns
    -------
    dict of ``(samples, timesteps, units)`` arrays: ``z``, ``r``, ``candidate``, ``h``.
    """
    x = np.asarray(inputs)
    if x.ndim != 3:
        raise ValueError(f"inputs must be (samples, timesteps, input_dim); got shape {x.shape}")
    h = (np.zeros((x.shape[0], units), dtype=x.dtype) if initial_state is None
         else np.asarray(initial_state))
    if h.shape != (x.shape[0], units):
        raise ValueError(f"initial_state must be (samples, units) = {(x.shape[0], units)}; "
                         f"got {h.shape}")
    recorded = {}
    for t in range(x.shape[1]):
        h, internals = step(x[:, t], h, **weights)
        for key, value in internals.items():
            recorded.setdefault(key, []).append(value)
    return {key: np.stack(values, axis=1) for key, values in recorded.items()}


# ---- weight maps between the conventions ----------------------------------------------------

def keras_to_pytorch(kernel, recurrent_kernel, bias):
    """Keras ``reset_after=True`` weights -> PyTorch's ``(weight_ih, weight_hh, bias_ih, bias_hh)``.

    Transpose each block and reorder z, r, h -> r, z, n; ``bias[0]`` is ``bias_ih`` and
    ``bias[1]`` is ``bias_hh``. The map is exact: the two compute the same function.
    """
    w = keras_blocks(kernel, recurrent_kernel, bias, reset_after=True)
    order = ("r", "z", "h")
    return (np.concatenate([w[f"W_{g}"].T for g in order]),
            np.concatenate([w[f"U_{g}"].T for g in order]),
            np.concatenate([w[f"b_{g}"] for g in order]),
            np.concatenate([w[f"rb_{g}"] for g in order]))


def pytorch_to_keras(weight_ih, weight_hh, bias_ih, bias_hh):
    """The inverse of :func:`keras_to_pytorch`.

    Returns ``(kernel, recurrent_kernel, bias)``, the bias ``(2, 3*units)``.
    """
    def reorder(blocks):  # r, z, n -> z, r, h
        r, z, n = blocks
        return [z, r, n]
    kernel = np.concatenate([b.T for b in reorder(np.split(np.asarray(weight_ih), 3))], axis=1)
    recurrent = np.concatenate([b.T for b in reorder(np.split(np.asarray(weight_hh), 3))],
                               axis=1)
    bias = np.stack([np.concatenate(reorder(np.split(np.asarray(bias_ih), 3))),
                     np.concatenate(reorder(np.split(np.asarray(bias_hh), 3)))])
    return kernel, recurrent, bias


def flip_update_gate(kernel, recurrent_kernel, bias=None):
    """Negate the update gate's weights and bias: since ``sigmoid(-a) = 1 - sigmoid(a)``, the
    new ``z`` is ``1 - z``. Returns new ``(kernel, recurrent_kernel, bias)`` in Keras' layout."""
    units = np.shape(recurrent_kernel)[0]
    sign = np.ones(3 * units)
    sign[:units] = -1.0
    kernel, recurrent_kernel = np.asarray(kernel), np.asarray(recurrent_kernel)
    sign = sign.astype(kernel.dtype)  # keep float32 weights float32
    flipped = [kernel * sign, recurrent_kernel * sign]
    flipped.append(None if bias is None else np.asarray(bias) * sign)
    return tuple(flipped)


def keras_to_paper(kernel, recurrent_kernel, *, flip_update=False):
    """Keras' kernels -> the papers' ``W_z, U_z, W_r, U_r, W, U`` (transposed blocks).

    For :func:`cho2014_step` use ``flip_update=False``; for :func:`chung2014_step`,
    ``flip_update=True`` (its ``z`` is Keras' ``1 - z``). The papers have no biases, so this
    is exact for a Keras GRU with ``reset_after=False`` and ``use_bias=False`` (or zero bias).
    """
    if flip_update:
        kernel, recurrent_kernel, _ = flip_update_gate(kernel, recurrent_kernel)
    w = keras_blocks(kernel, recurrent_kernel, None, reset_after=False)
    return {"W_z": w["W_z"].T, "U_z": w["U_z"].T, "W_r": w["W_r"].T, "U_r": w["U_r"].T,
            "W": w["W_h"].T, "U": w["U_h"].T}


def keras_to_colah(kernel, recurrent_kernel, *, flip_update=True):
    """Keras' kernels -> colah's ``W_z, W_r, W``, each ``[U | W]`` of ``(units, units + m)``."""
    p = keras_to_paper(kernel, recurrent_kernel, flip_update=flip_update)
    return {"W_z": np.concatenate([p["U_z"], p["W_z"]], axis=1),
            "W_r": np.concatenate([p["U_r"], p["W_r"]], axis=1),
            "W": np.concatenate([p["U"], p["W"]], axis=1)}


def keras_to_d2l(kernel, recurrent_kernel, bias=None):
    """Keras ``reset_after=False`` weights -> d2l's ``W_x*, W_h*, b_*`` (the same blocks, renamed).

    ``bias`` is ``(3*units,)`` or ``None`` (zeros). No transpose and no flip: d2l writes row
    vectors and Keras' direction of ``z``.
    """
    w = keras_blocks(kernel, recurrent_kernel, bias, reset_after=False)
    return {f"{prefix}{gate}": w[f"{letter}_{gate}"]
            for gate in GATE_ORDER for prefix, letter in (("W_x", "W"), ("W_h", "U"), ("b_", "b"))}


def keras_to_seed001(kernel, recurrent_kernel, *, flip_update=False):
    """Keras' kernels -> seed 001's ``U_z, W_z, U_r, W_r, U_h, W_h`` (no transposes: the seed
    writes row vectors, as Keras does, but swaps the letters W and U)."""
    if flip_update:
        kernel, recurrent_kernel, _ = flip_update_gate(kernel, recurrent_kernel)
    w = keras_blocks(kernel, recurrent_kernel, None, reset_after=False)
    return {"U_z": w["W_z"], "W_z": w["U_z"], "U_r": w["W_r"], "W_r": w["U_r"],
            "U_h": w["W_h"], "W_h": w["U_h"]}


def reset_before_as_after(bias):
    """A ``reset_after=False`` bias ``(3*units,)`` -> the ``(2, 3*units)`` bias that puts it all in
    the input row. With it, a ``reset_after=True`` GRU carrying the same kernels computes the
    same function exactly when every ``U_h`` is diagonal (``r * (h U_h) = (r * h) U_h``)."""
    bias = np.asarray(bias)
    if bias.ndim != 1 or bias.shape[0] % 3:
        raise ValueError(f"expected a reset_after=False bias of shape (3*units,); got {bias.shape}")
    return np.stack([bias, np.zeros_like(bias)])


# ---- the seed's "plain RNN" claim -----------------------------------------------------------

def plain_rnn_gru_weights(kernel, recurrent_kernel, bias, *, gate_bias=30.0, reset_after=True,
                          candidate_bias_row=0):
    """Keras GRU weights that force ``z ~ 0`` and ``r ~ 1`` and carry a SimpleRNN's weights.

    The update and reset gates get zero weights and biases ``-gate_bias`` and ``+gate_bias``
    (``sigmoid(30)`` is 1 in float32); the candidate block is the SimpleRNN's
    ``kernel (input_dim, units)``, ``recurrent_kernel (units, units)`` and ``bias (units,)``.
    With ``reset_after=True`` the SimpleRNN's bias goes to row ``candidate_bias_row`` (0: input,
    1: recurrent, where the reset gate multiplies it).

    Returns ``[kernel, recurrent_kernel, bias]`` for ``GRU.set_weights``.
    """
    kernel, recurrent_kernel, bias = (np.asarray(a) for a in (kernel, recurrent_kernel, bias))
    input_dim, units = kernel.shape
    if recurrent_kernel.shape != (units, units) or bias.shape != (units,):
        raise ValueError(
            f"expected a SimpleRNN's kernel (input_dim, units), recurrent_kernel (units, units) "
            f"and bias (units,); got {kernel.shape}, {recurrent_kernel.shape}, {bias.shape}")
    if candidate_bias_row not in (0, 1):
        raise ValueError(f"candidate_bias_row must be 0 or 1; got {candidate_bias_row!r}")
    zeros_in, zeros_rec = np.zeros((input_dim, units)), np.zeros((units, units))
    gru_kernel = np.concatenate([zeros_in, zeros_in, kernel], axis=1)
    gru_recurrent = np.concatenate([zeros_rec, zeros_rec, recurrent_kernel], axis=1)
    gates = np.concatenate([np.full(units, -gate_bias), np.full(units, gate_bias)])
    if not reset_after:
        gru_bias = np.concatenate([gates, bias])
    else:
        gru_bias = np.zeros((2, 3 * units))
        gru_bias[0, :2 * units] = gates
        gru_bias[candidate_bias_row, 2 * units:] = bias
    dtype = kernel.dtype if np.issubdtype(kernel.dtype, np.floating) else np.float32
    return [a.astype(dtype) for a in (gru_kernel, gru_recurrent, gru_bias)]
