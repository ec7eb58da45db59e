"""The reference engine's time loops, fused for speed.

The cells in :mod:`rnnbook.cells` are the didactic version: one step, every gate named. Here
the same equations run over a whole sequence the way cuDNN arranges them:

- the input projection ``x_t W + b`` of *every* time step is one matrix product before the
  loop, leaving one ``h_{t-1} U`` product per step;
- the gate blocks stay fused in one ``(samples, k * units)`` buffer, activated in place
  (float32 stays float32), with no new arrays inside the loop unless a trace is recorded;
- masks are applied with ``np.copyto(..., where=mask)``: a masked step keeps the previous
  state and, in the output, repeats the previous output (or zeros, ``zero_output_for_mask``);
- the per-step products run on one BLAS thread. They are small, so a second thread gains
  little on a 2-core machine, and when the cores are busy (TensorFlow, another process)
  OpenBLAS's waiting threads made a 100-step LSTM ten times slower here.

Arrays are time-major inside: ``projected`` is ``(timesteps, samples, k * units)``. The tests
check these loops against Keras and against the cells.
"""

import numpy as np
from threadpoolctl import ThreadpoolController

from rnnbook import activations

_threadpools = None


def _one_blas_thread():
    """A context in which BLAS uses one thread (the controller is found once, then reused)."""
    global _threadpools
    if _threadpools is None:
        _threadpools = ThreadpoolController()
    return _threadpools.limit(limits=1, user_api="blas")


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


def run(spec, inputs, states, mask, record):
    """Loop one cell over time.

    Parameters
    ----------
    spec : rnnbook.reference.RecurrentSpec (kind, units, activations, weights, flags).
    inputs : ``(timesteps, samples, input_dim)``, time-major, in processing order.
    states : list of ``(samples, units)`` arrays, overwritten with the final states.
    mask : ``(timesteps, samples)`` booleans, or None.
    record : if true, also return every step's internals.

    Returns
    -------
    outputs ``(timesteps, samples, units)`` and a dict of recorded lists (or None).
    """
    timesteps, samples, input_dim = inputs.shape
    context = _Context(spec, samples, inputs.dtype)
    # x_t W + b for every step at once: the one large matrix product of the sequence
    projected = (inputs.reshape(-1, input_dim) @ context.kernel).reshape(timesteps, samples, -1)
    if context.input_bias is not None:
        projected += context.input_bias
    step = {"SimpleRNN": _simple_rnn_step, "LSTM": _lstm_step, "GRU": _gru_step}[spec.kind]
    outputs = np.empty((timesteps, samples, spec.units), dtype=inputs.dtype)
    recorded = {} if record else None
    with _one_blas_thread():
        _loop(spec, step, context, projected, states, mask, outputs, recorded)
    return outputs, recorded


def _loop(spec, step, context, projected, states, mask, outputs, recorded):
    record = recorded is not None
    current = [state.copy() for state in states]
    for t in range(len(projected)):
        new_states, internals = step(context, projected[t], current, record)
        if mask is None:
            outputs[t] = new_states[0]
            # the new states become current; the old buffers take the next step's results
            context.spare, current = current, new_states
        else:
            keep = mask[t][:, None]
            if spec.zero_output_for_mask:
                outputs[t] = 0
            else:
                outputs[t] = outputs[t - 1] if t else 0
            np.copyto(outputs[t], new_states[0], where=keep)
            for state, new in zip(current, new_states, strict=True):
                np.copyto(state, new, where=keep)
        if record:
            internals["h"] = current[0].copy()
            if spec.kind == "LSTM":
                internals["c"] = current[1].copy()
            for key, value in internals.items():
                recorded.setdefault(key, []).append(value)
    for state, final in zip(states, current, strict=True):
        state[...] = final


class _Context:
    """Weights cast to the computation's dtype, and the buffers each step writes into.

    For an LSTM whose gate activation acts elementwise, the gate columns are stored in the
    order i, f, o, c (Keras keeps i, f, c, o), so the three sigmoid gates are one block.
    """

    def __init__(self, spec, samples, dtype):
        n, k = spec.units, {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[spec.kind]
        self.spec, self.n = spec, n
        self.gates_together = spec.recurrent_activation not in activations.ACROSS_UNITS
        columns = np.arange(k * n)
        if spec.kind == "LSTM" and self.gates_together:
            columns = np.r_[0:2 * n, 3 * n:4 * n, 2 * n:3 * n]
        self.kernel = spec.kernel[:, columns].astype(dtype)
        self.recurrent_kernel = spec.recurrent_kernel[:, columns].astype(dtype)
        bias = None if spec.bias is None else spec.bias.astype(dtype)
        self.input_bias = self.recurrent_bias = None
        if bias is not None and spec.kind == "GRU" and spec.reset_after:
            self.input_bias, self.recurrent_bias = bias[0], bias[1]
        elif bias is not None:
            self.input_bias = bias[columns]
        self.z = np.empty((samples, k * n), dtype=dtype)     # fused pre-activations
        self.scratch = np.empty((samples, n), dtype=dtype)
        # two sets of state buffers, swapped at every step (see _loop)
        self.spare = [np.empty((samples, n), dtype=dtype) for _ in range(2 if k == 4 else 1)]


def _simple_rnn_step(ctx, projected_t, states, record):
    (h,) = ctx.spare
    np.matmul(states[0], ctx.recurrent_kernel, out=h)
    h += projected_t
    _activate(ctx.spec.activation, h)
    return [h], {}


def _lstm_step(ctx, projected_t, states, record):
    n, z, spec = ctx.n, ctx.z, ctx.spec
    h_prev, c_prev = states
    np.matmul(h_prev, ctx.recurrent_kernel, out=z)
    z += projected_t
    if ctx.gates_together:   # columns i, f, o, c: one call for the three gates
        i, f, o, candidate = z[:, :n], z[:, n:2 * n], z[:, 2 * n:3 * n], z[:, 3 * n:]
        _activate(spec.recurrent_activation, z[:, :3 * n])
    else:                    # Keras' columns i, f, c, o; gate by gate
        i, f, candidate, o = z[:, :n], z[:, n:2 * n], z[:, 2 * n:3 * n], z[:, 3 * n:]
        for gate in (i, f, o):
            _activate(spec.recurrent_activation, gate)
    _activate(spec.activation, candidate)
    internals = {}
    if record:
        internals = {"i": i.copy(), "f": f.copy(), "o": o.copy(), "candidate": candidate.copy()}
    h, c = ctx.spare
    np.multiply(f, c_prev, out=c)           # c_t = f * c_{t-1} + i * candidate
    np.multiply(i, candidate, out=ctx.scratch)
    c += ctx.scratch
    if spec.activation is activations.tanh:
        np.tanh(c, out=h)
    else:
        h[...] = c
        _activate(spec.activation, h)
    h *= o                                  # h_t = o * activation(c_t)
    return [h, c], internals


def _activate_gates(ctx, block, gates):
    """The gate activation over a block of gates at once, or gate by gate when it acts
    across a gate's units (softmax)."""
    if ctx.gates_together:
        _activate(ctx.spec.recurrent_activation, block)
    else:
        for gate in gates:
            _activate(ctx.spec.recurrent_activation, gate)


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
        _activate_gates(ctx, z_buffer[:, :2 * n], (z, r))
        inner_h *= r                                    # reset after the matrix product
    else:
        gates = z_buffer[:, :2 * n]
        np.matmul(h_prev, U[:, :2 * n], out=gates)
        gates += projected_t[:, :2 * n]
        z, r = z_buffer[:, :n], z_buffer[:, n:2 * n]
        _activate_gates(ctx, gates, (z, r))
        inner_h = ctx.scratch
        reset_h = ctx.spare[0]
        np.multiply(r, h_prev, out=reset_h)            # reset before the matrix product
        np.matmul(reset_h, U[:, 2 * n:], out=inner_h)
    candidate = z_buffer[:, 2 * n:]
    np.add(projected_t[:, 2 * n:], inner_h, out=candidate)
    _activate(spec.activation, candidate)
    internals = {"z": z.copy(), "r": r.copy(), "candidate": candidate.copy()} if record else {}
    (h,) = ctx.spare                                    # h_t = z * h_{t-1} + (1 - z) * candidate
    np.subtract(h_prev, candidate, out=h)
    h *= z
    h += candidate
    return [h], internals
