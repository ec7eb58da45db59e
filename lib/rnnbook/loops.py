"""The reference engine's time loops, fused for speed.

The cells in :mod:`rnnbook.cells` are the didactic version: one step, every gate named. Here
the same equations run over a whole sequence the way cuDNN arranges them:

- the input projection ``x_t W + b`` of *every* time step is one matrix product before the
  loop, leaving one ``h_{t-1} U`` product per step;
- the gate blocks stay fused in one ``(samples, k * units)`` buffer, activated in place
  (float32 stays float32), with no new arrays inside the loop unless a trace is recorded;
- masks are applied with ``np.copyto(..., where=mask)``: a masked step keeps the previous
  state and, in the output, repeats the previous output (or zeros, ``zero_output_for_mask``).

Arrays are time-major inside: ``projected`` is ``(timesteps, samples, k * units)``. The tests
check these loops against Keras and against the cells.
"""

import numpy as np

from rnnbook import activations


def _activate(function, block):
    """Apply ``function`` to ``block`` in place (in-place fast paths for sigmoid and tanh)."""
    if function is activations.tanh:
        np.tanh(block, out=block)
    elif function is activations.sigmoid:  # sigmoid(a) = (1 + tanh(a / 2)) / 2
        block *= 0.5
        np.tanh(block, out=block)
        block *= 0.5
        block += 0.5
    elif function is not activations.linear:
        block[...] = function(block)


def run(spec, projected, states, mask, record):
    """Loop one cell over time.

    Parameters
    ----------
    spec : rnnbook.reference.RecurrentSpec (kind, units, activations, weights, flags).
    projected : ``(timesteps, samples, k * units)``, ``x_t W`` plus the input bias.
    states : list of ``(samples, units)`` arrays, overwritten with the final states.
    mask : ``(timesteps, samples)`` booleans, or None.
    record : if true, also return every step's internals.

    Returns
    -------
    outputs ``(timesteps, samples, units)`` and a dict of recorded lists (or None).
    """
    timesteps, samples, _ = projected.shape
    n = spec.units
    dtype = projected.dtype
    step = {"SimpleRNN": _simple_rnn_step, "LSTM": _lstm_step, "GRU": _gru_step}[spec.kind]
    context = _Context(spec, samples, dtype)
    outputs = np.empty((timesteps, samples, n), dtype=dtype)
    recorded = {} if record else None
    for t in range(timesteps):
        new_states, internals = step(context, projected[t], states, record)
        output = new_states[0]
        if mask is None:
            for state, new in zip(states, new_states, strict=True):
                state[...] = new
            outputs[t] = output
        else:
            keep = mask[t][:, None]
            if spec.zero_output_for_mask:
                outputs[t] = 0
            else:
                outputs[t] = outputs[t - 1] if t else 0
            np.copyto(outputs[t], output, where=keep)
            for state, new in zip(states, new_states, strict=True):
                np.copyto(state, new, where=keep)
        if record:
            internals["h"] = states[0].copy()
            if spec.kind == "LSTM":
                internals["c"] = states[1].copy()
            for key, value in internals.items():
                recorded.setdefault(key, []).append(value)
    return outputs, recorded


class _Context:
    """Weights cast to the computation's dtype and buffers reused at every step."""

    def __init__(self, spec, samples, dtype):
        n, k = spec.units, {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[spec.kind]
        self.spec = spec
        self.n = n
        self.recurrent_kernel = spec.recurrent_kernel.astype(dtype, copy=False)
        self.recurrent_bias = None
        if spec.kind == "GRU" and spec.reset_after and spec.bias is not None:
            self.recurrent_bias = spec.bias[1].astype(dtype, copy=False)
        self.z = np.empty((samples, k * n), dtype=dtype)       # fused pre-activations
        self.h = np.empty((samples, n), dtype=dtype)           # next hidden state
        self.c = np.empty((samples, n), dtype=dtype)           # next cell state (LSTM)
        self.scratch = np.empty((samples, n), dtype=dtype)


def _simple_rnn_step(ctx, projected_t, states, record):
    h = ctx.h
    np.matmul(states[0], ctx.recurrent_kernel, out=h)
    h += projected_t
    _activate(ctx.spec.activation, h)
    return [h], {}


def _lstm_step(ctx, projected_t, states, record):
    n, z, spec = ctx.n, ctx.z, ctx.spec
    h_prev, c_prev = states
    np.matmul(h_prev, ctx.recurrent_kernel, out=z)
    z += projected_t
    i, f, candidate, o = z[:, :n], z[:, n:2 * n], z[:, 2 * n:3 * n], z[:, 3 * n:]
    # one call per gate block: softmax-like activations act across a block's units
    for gate in (i, f, o):
        _activate(spec.recurrent_activation, gate)
    _activate(spec.activation, candidate)
    internals = {}
    if record:
        internals = {"i": i.copy(), "f": f.copy(), "o": o.copy(), "candidate": candidate.copy()}
    c = ctx.c
    np.multiply(f, c_prev, out=c)           # c_t = f * c_{t-1} + i * candidate
    np.multiply(i, candidate, out=ctx.scratch)
    c += ctx.scratch
    h = ctx.h
    h[...] = c
    _activate(spec.activation, h)           # h_t = o * activation(c_t)
    h *= o
    return [h, c], internals


def _gru_step(ctx, projected_t, states, record):
    n, z_buffer, spec = ctx.n, ctx.z, ctx.spec
    h_prev = states[0]
    U = ctx.recurrent_kernel
    if spec.reset_after:
        np.matmul(h_prev, U, out=z_buffer)             # h_{t-1} U for all three blocks
        if ctx.recurrent_bias is not None:
            z_buffer += ctx.recurrent_bias
        inner_h = ctx.scratch
        inner_h[...] = z_buffer[:, 2 * n:]
        z_buffer[:, :2 * n] += projected_t[:, :2 * n]
        z, r = z_buffer[:, :n], z_buffer[:, n:2 * n]
        _activate(spec.recurrent_activation, z)
        _activate(spec.recurrent_activation, r)
        inner_h *= r                                    # reset after the matrix product
    else:
        gates = z_buffer[:, :2 * n]
        np.matmul(h_prev, U[:, :2 * n], out=gates)
        gates += projected_t[:, :2 * n]
        z, r = z_buffer[:, :n], z_buffer[:, n:2 * n]
        _activate(spec.recurrent_activation, z)
        _activate(spec.recurrent_activation, r)
        inner_h = ctx.scratch
        np.multiply(r, h_prev, out=ctx.h)              # reset before the matrix product
        np.matmul(ctx.h, U[:, 2 * n:], out=inner_h)
    candidate = z_buffer[:, 2 * n:]
    np.add(projected_t[:, 2 * n:], inner_h, out=candidate)
    _activate(spec.activation, candidate)
    internals = {"z": z.copy(), "r": r.copy(), "candidate": candidate.copy()} if record else {}
    h = ctx.h                                           # h_t = z * h_{t-1} + (1 - z) * candidate
    np.subtract(h_prev, candidate, out=h)
    h *= z
    h += candidate
    return [h], internals
