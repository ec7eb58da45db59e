"""The reference engine's time loops, fused for speed.

The cells in :mod:`rnnbook.cells` are the didactic version: one step, every gate named. Here
the same equations run over a whole sequence the way cuDNN arranges them:

- the input projection ``x_t W + b`` of *every* time step is computed before the loop,
  leaving one ``h_{t-1} U`` product per step;
- the arrays are transposed inside, units by samples: a state is ``(units, samples)`` and the
  fused gate pre-activations ``(k * units, samples)``, so each gate block is one contiguous
  run of memory. NumPy's elementwise functions are several times slower on a block that is a
  column slice of a wider array, which is what a gate of a ``(samples, k * units)`` buffer is;
- the sigmoid gates' columns of ``W``, ``U`` and ``b`` are stored halved (exact in floating
  point), so ``sigmoid(a) = (1 + tanh(a / 2)) / 2`` needs no halving at each step, and one
  ``tanh`` covers an LSTM's gates and candidate together;
- the buffers are allocated once, and activated in place (float32 stays float32); without a
  mask, and on one thread, a step writes its ``h`` straight into the output and, in a trace,
  its ``c`` straight into the trace (whose ``h`` is the output); a thread's slice of a split
  batch computes in its own buffers and copies its states there once a step. A call that
  returns only the last step's output keeps two steps' outputs, not every step's (a step
  reads only the one before): a large batch's outputs are tens of megabytes of fresh memory
  a call, slow to use on a machine that hands freed memory back to a hypervisor (the
  performance appendix measures what that costs). A trace's gates are computed in the reused
  buffer, which stays in the cache, and copied once per step into the trace's storage, laid
  out units by samples like the buffer, so the copy is row by row, not a transposition;
- masks are applied with ``np.copyto(..., where=mask)``: a masked step keeps the previous
  state and, in the output, repeats the previous output (or zeros, ``zero_output_for_mask``);
- BLAS runs on one thread. When the per-step product is large (:func:`threads_for`), the
  batch is split instead, one slice per core, each slice's loop in its own thread: the rows
  of a batch never meet, so the threads only meet again at the end. OpenBLAS's own threads
  meet at every product and wait for each other by spinning: when another program held the
  second core, a 100-step LSTM ran ten times slower here with two OpenBLAS threads.

The tests check these loops against Keras and against the cells.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import ThreadpoolController

from rnnbook import activations

#: Gate blocks per kind of cell (LSTM i, f, c, o; GRU z, r, h).
GATE_BLOCKS = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}

#: The smallest per-step product, in multiply-adds per thread, worth a thread of its own:
#: below it, the Python work of a step (which threads cannot share) outweighs the gain.
#: At 1 << 19 a SimpleRNN of 64 samples and 128 units split in two and ran slower than
#: Keras on a quiet machine (an AMD EPYC). At 1 << 20 the LSTM and GRU of that size were
#: split in two; on an Intel Xeon the split ran 23-46 % slower than one thread by the medians
#: in every run, idle and loaded, and from 11 % faster to 23 % slower by the fastest rounds
#: (data/benchmark.json and data/benchmark_unreported.json time both counts at every size).
#: 1 << 22 keeps them whole and still splits the largest size's products.
MIN_MULTIPLY_ADDS_PER_THREAD = 1 << 22

#: How many numbers the projection of a chunk of steps holds (the buffer is reused, chunk
#: after chunk, so it stays in the cache, and no large array is allocated per call).
PROJECTION_CHUNK = 1 << 16

#: No thread gets fewer samples than this.
MIN_SAMPLES_PER_THREAD = 16

_threadpools = None


def cores():
    """The number of CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def threads_for(kind, samples, units, available=None):
    """How many threads the loop splits a batch of ``samples`` over: one, unless the per-step
    product ``h_{t-1} U``, ``samples * units * k * units`` multiply-adds, is large enough for
    each of several threads (at most one per core, ``available`` by default :func:`cores`)."""
    available = cores() if available is None else available
    per_step = samples * units * GATE_BLOCKS[kind] * units
    return max(1, min(available, per_step // MIN_MULTIPLY_ADDS_PER_THREAD,
                      samples // MIN_SAMPLES_PER_THREAD))


def _one_blas_thread():
    """A context in which BLAS uses one thread (the controller is found once, then reused)."""
    global _threadpools
    if _threadpools is None:
        _threadpools = ThreadpoolController()
    return _threadpools.limit(limits=1, user_api="blas")


def run(spec, inputs, states, mask, record, threads=None, sequences=True):
    """Loop one cell over time.

    Parameters
    ----------
    spec : rnnbook.reference.RecurrentSpec (kind, units, activations, weights, flags).
    inputs : ``(timesteps, samples, input_dim)``, time-major (any strides: a view of the
        batch-major inputs serves), in processing order.
    states : list of ``(samples, units)`` arrays, overwritten with the final states.
    mask : ``(timesteps, samples)`` booleans, or None.
    record : if true, also return every step's internals.
    threads : how many threads to split the batch over; by default :func:`threads_for`.
        The result does not depend on it beyond rounding.
    sequences : if false (and ``record`` is false), only the last step's output is kept.

    Returns
    -------
    outputs ``(timesteps, samples, units)`` (``(1, samples, units)``, the last step, when
    ``sequences`` is false and nothing is recorded) and a dict of recorded internals (or
    None), each indexed by step first: ``recorded[key][t]`` is ``(samples, units)``. All are
    views of buffers stored units by samples.
    """
    timesteps, samples, _ = inputs.shape
    n = spec.units
    threads = threads_for(spec.kind, samples, n) if threads is None else threads
    weights = _Weights(spec, inputs.dtype)
    # outputs and records are stored units by samples, and handed back transposed (a view);
    # without sequences or a record, only the last step (each part keeps its own two steps)
    ring = not sequences and not record
    outputs = np.empty((1 if ring else timesteps, n, samples), dtype=inputs.dtype)
    records = _Records(spec, outputs, masked=mask is not None) if record else None
    bounds = np.linspace(0, samples, max(1, min(threads, samples)) + 1).astype(int)
    parts = [slice(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    errors = np.geterr()  # a new thread starts with NumPy's default error handling

    def run_part(part):
        with np.errstate(**errors):
            _Part(spec, weights, inputs[:, part], states, mask, outputs, records, part,
                  ring=ring).loop()

    with _one_blas_thread():
        if len(parts) == 1:
            run_part(parts[0])
        else:
            with ThreadPoolExecutor(len(parts)) as pool:
                list(pool.map(run_part, parts))  # list(): re-raises a thread's exception
    return outputs.transpose(0, 2, 1), None if records is None else records.views()


class _Records:
    """A trace's storage, units by samples as the loop computes: ``gates`` ``(timesteps,
    k * units, samples)``, each step's fused buffer once activated (so it holds the gates),
    and ``states``, one ``(timesteps, units, samples)`` array per state. Without a mask the
    ``h`` carried after each step is the output itself, so ``states[0]`` is ``outputs``;
    with one, a masked step's output may differ."""

    def __init__(self, spec, outputs, masked):
        timesteps, n, samples = outputs.shape
        self.spec = spec
        self.gates = None if spec.kind == "SimpleRNN" else np.empty(
            (timesteps, GATE_BLOCKS[spec.kind] * n, samples), dtype=outputs.dtype)
        self.states = [np.empty_like(outputs) if masked else outputs]
        if spec.kind == "LSTM":
            self.states.append(np.empty_like(outputs))

    def views(self):
        """``{name: (timesteps, samples, units) view}`` for every gate and state."""
        n = self.spec.units
        found = {name: self.gates[:, j * n:(j + 1) * n].transpose(0, 2, 1)
                 for j, name in enumerate(_gate_names(self.spec))}
        for name, values in zip(("h", "c"), self.states, strict=False):
            found[name] = values.transpose(0, 2, 1)
        return found


def _gate_names(spec):
    """The gate blocks' names, in the order the rows of the fused buffer hold them."""
    if spec.kind == "LSTM":
        return ("i", "f", "o", "candidate") if _gates_together(spec) \
            else ("i", "f", "candidate", "o")
    return {"SimpleRNN": (), "GRU": ("z", "r", "candidate")}[spec.kind]


def _gates_together(spec):
    """Whether the gate activation acts on each number alone, so gates can share one call."""
    return spec.recurrent_activation not in activations.ACROSS_UNITS


class _Weights:
    """The weights transposed, in the computation's dtype, sigmoid gates' columns halved.

    For an LSTM whose gate activation acts elementwise, the gate rows are stored in the
    order i, f, o, c (Keras keeps i, f, c, o), so the three sigmoid gates are one block.
    For a GRU with ``reset_after``, the z and r blocks of the recurrent bias are added to
    the input bias (both are added before the activation); the h block stays apart, inside
    the reset.
    """

    def __init__(self, spec, dtype):
        n, k = spec.units, GATE_BLOCKS[spec.kind]
        self.gates_together = _gates_together(spec)
        columns = np.arange(k * n)
        if spec.kind == "LSTM" and self.gates_together:
            columns = np.r_[0:2 * n, 3 * n:4 * n, 2 * n:3 * n]
        gate_columns = {"SimpleRNN": 0, "LSTM": 3 * n, "GRU": 2 * n}[spec.kind]
        # sigmoid(a) = (1 + tanh(a / 2)) / 2; halving is exact, so a / 2 is computed exactly
        self.halved = spec.kind != "SimpleRNN" and spec.recurrent_activation is activations.sigmoid
        scale = np.ones(k * n, dtype=dtype)
        if self.halved:
            scale[:gate_columns] = 0.5
        self.kernel = np.ascontiguousarray((spec.kernel[:, columns].astype(dtype) * scale).T)
        self.recurrent_kernel = np.ascontiguousarray(
            (spec.recurrent_kernel[:, columns].astype(dtype) * scale).T)
        self.input_bias = self.recurrent_bias = None
        if spec.bias is not None:
            bias = spec.bias.astype(dtype)
            if spec.kind == "GRU" and spec.reset_after:
                input_bias, recurrent_bias = bias[0].copy(), bias[1]
                input_bias[:2 * n] += recurrent_bias[:2 * n]
                self.recurrent_bias = (recurrent_bias[2 * n:] * scale[2 * n:])[:, None]
                bias = input_bias
            self.input_bias = (bias[columns] * scale)[:, None]


class _Part:
    """One slice of the batch run over all time steps: its projection, buffers and loop."""

    def __init__(self, spec, weights, inputs, states, mask, outputs, records, part,
                 ring=False):
        timesteps, samples, _ = inputs.shape
        n, k = spec.units, GATE_BLOCKS[spec.kind]
        n_states = 2 if spec.kind == "LSTM" else 1
        dtype = inputs.dtype
        self.spec, self.weights, self.n = spec, weights, n
        self.states, self.part = states, part
        self.mask = None if mask is None else mask[:, part]
        # `ring`: `outputs` has room for the last step only; the loop writes step t in row
        # t % 2 of two steps of its own, contiguous rather than a column slice of rows that
        # another part's thread writes too (at 256 samples x 256 units a SimpleRNN split in
        # two ran 1.7 times its products' time writing column slices, 1.3 times this way)
        self.last_output = outputs[0, :, part] if ring else None
        self.outputs = np.empty((2, n, samples), dtype) if ring else outputs[:, :, part]
        # x_t W + b, computed for a chunk of steps at a time into one reused buffer
        self.inputs = inputs.transpose(0, 2, 1)                     # (timesteps, m, samples)
        chunk = max(1, min(timesteps, PROJECTION_CHUNK // (k * n * samples)))
        self.projected = np.empty((chunk, k * n, samples), dtype=dtype)
        self.bias = None
        if weights.input_bias is not None:
            # broadcast over the samples once: adding a (k * units, 1) column to each step
            # would run NumPy's inner loop once per row, a few numbers at a time
            self.bias = np.broadcast_to(weights.input_bias, (k * n, samples)).copy()
        self.z = np.empty((k * n, samples), dtype=dtype)     # fused pre-activations
        self.scratch = np.empty((n, samples), dtype=dtype)
        self.current = [state[part].T.copy() for state in states]
        # the states a step writes: swapped with `current` after each unmasked step
        self.spare = [np.empty((n, samples), dtype=dtype) for _ in range(n_states)]
        self.gate_records = self.state_records = None
        if records is not None:
            if records.gates is not None:
                self.gate_records = records.gates[:, :, part]
            self.state_records = [values[:, :, part] for values in records.states]
        # without a mask a step writes its new states where they are kept: h in the output,
        # c (if traced) in the trace; with one, into `spare`, then copied where unmasked.
        # Where this part is a column slice of the kept rows (a batch split over threads),
        # the step works in `spare` and copies its states there once: a step makes several
        # elementwise passes over them, and on column slices the traces of 256 samples x 256
        # units on two threads took up to a tenth longer (the LSTM's as long either way)
        self.slots = None
        if self.mask is None and self.outputs[0].flags.c_contiguous:
            self.slots = [self.outputs] + (self.state_records[1:] if records is not None
                                           else [])

    def loop(self):
        mask, outputs = self.mask, self.outputs
        gate_records, state_records = self.gate_records, self.state_records
        step = {"SimpleRNN": self._simple_rnn_step, "LSTM": self._lstm_step,
                "GRU": self._gru_step}[self.spec.kind]
        zero_output = self.spec.zero_output_for_mask
        projected, chunk = self.projected, len(self.projected)
        slots = self.slots
        for t in range(len(self.inputs)):
            if t % chunk == 0:
                self._project(t)
            now = t % len(outputs)  # t, or its row in a ring of two steps
            if slots is not None:
                for j, kept in enumerate(slots):
                    self.spare[j] = kept[now if j == 0 else t]
            new = step(projected[t % chunk], self.current)
            if mask is None:
                self.spare, self.current = self.current, new
                if slots is None:
                    outputs[now] = new[0]          # (and the trace's h, which is the output)
                    for record, state in zip(state_records[1:] if state_records else [],
                                             new[1:], strict=False):
                        record[t] = state
            else:
                keep = mask[t][None, :]
                if zero_output or t == 0:
                    outputs[now] = 0
                else:
                    outputs[now] = outputs[(t - 1) % len(outputs)]
                np.copyto(outputs[now], new[0], where=keep)
                for state, value in zip(self.current, new, strict=True):
                    np.copyto(state, value, where=keep)
            if gate_records is not None:
                gate_records[t] = self.z
            if state_records is not None and mask is not None:
                for record, state in zip(state_records, self.current, strict=True):
                    record[t] = state
        for state, final in zip(self.states, self.current, strict=True):
            state[self.part] = final.T
        if self.last_output is not None:
            self.last_output[...] = outputs[(len(self.inputs) - 1) % 2]

    def _project(self, start):
        """``x_t W + b`` for the chunk of steps from ``start`` on, into ``self.projected``."""
        block = self.projected[:len(self.inputs) - start]
        np.matmul(self.weights.kernel, self.inputs[start:start + len(block)], out=block)
        if self.bias is not None:
            block += self.bias

    def _sigmoid_gates(self, block, gates):
        """The gate activation, in place: over the whole block, or gate by gate when it acts
        across a gate's units (softmax)."""
        if self.weights.halved:           # the block holds a / 2
            np.tanh(block, out=block)
            block *= 0.5
            block += 0.5
        elif self.weights.gates_together:
            _activate(self.spec.recurrent_activation, block)
        else:
            for gate in gates:
                _activate(self.spec.recurrent_activation, gate)

    def _simple_rnn_step(self, projected_t, states):
        (h,) = self.spare
        np.matmul(self.weights.recurrent_kernel, states[0], out=h)
        h += projected_t
        _activate(self.spec.activation, h)
        return self.spare

    def _lstm_step(self, projected_t, states):
        n, z, spec = self.n, self.z, self.spec
        h_prev, c_prev = states
        np.matmul(self.weights.recurrent_kernel, h_prev, out=z)
        z += projected_t
        if self.weights.gates_together:    # rows i, f, o, c: one call for the three gates
            i, f, o, candidate = z[:n], z[n:2 * n], z[2 * n:3 * n], z[3 * n:]
            gates = z[:3 * n]
        else:                              # Keras' rows i, f, c, o; gate by gate
            i, f, candidate, o = z[:n], z[n:2 * n], z[2 * n:3 * n], z[3 * n:]
            gates = None
        if self.weights.halved and spec.activation is activations.tanh:
            np.tanh(z, out=z)              # tanh(a / 2) for the gates, tanh(a) for candidate
            gates *= 0.5
            gates += 0.5
        else:
            self._sigmoid_gates(gates, (i, f, o))
            _activate(spec.activation, candidate)
        h, c = self.spare
        np.multiply(f, c_prev, out=c)       # c_t = f * c_{t-1} + i * candidate
        np.multiply(i, candidate, out=self.scratch)
        c += self.scratch
        if spec.activation is activations.tanh:
            np.tanh(c, out=h)
        else:
            h[...] = c
            _activate(spec.activation, h)
        h *= o                              # h_t = o * activation(c_t)
        return self.spare

    def _gru_step(self, projected_t, states):
        n, z_buffer, spec = self.n, self.z, self.spec
        h_prev = states[0]
        U = self.weights.recurrent_kernel
        gates, candidate = z_buffer[:2 * n], z_buffer[2 * n:]
        z, r = z_buffer[:n], z_buffer[n:2 * n]
        if spec.reset_after:
            np.matmul(U, h_prev, out=z_buffer)         # h_{t-1} U for all three blocks
            gates += projected_t[:2 * n]
            self._sigmoid_gates(gates, (z, r))
            if self.weights.recurrent_bias is not None:
                candidate += self.weights.recurrent_bias
            candidate *= r                             # reset after the matrix product
        else:
            np.matmul(U[:2 * n], h_prev, out=gates)
            gates += projected_t[:2 * n]
            self._sigmoid_gates(gates, (z, r))
            reset_h = self.scratch
            np.multiply(r, h_prev, out=reset_h)        # reset before the matrix product
            np.matmul(U[2 * n:], reset_h, out=candidate)
        candidate += projected_t[2 * n:]
        _activate(spec.activation, candidate)
        (h,) = self.spare                              # h_t = z * h_{t-1} + (1 - z) * candidate
        np.subtract(h_prev, candidate, out=h)
        h *= z
        h += candidate
        return self.spare


def _activate(function, block):
    """Apply ``function`` to ``block`` (``(units, samples)``) in place, with in-place fast
    paths for sigmoid and tanh. Other functions see ``(samples, units)``, as in Keras."""
    if function is activations.tanh:
        np.tanh(block, out=block)
    elif function is activations.sigmoid:  # sigmoid(a) = (1 + tanh(a / 2)) / 2
        block *= 0.5
        np.tanh(block, out=block)
        block *= 0.5
        block += 0.5
    elif function is not activations.linear:
        block.T[...] = function(block.T)
