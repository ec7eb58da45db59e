"""Input validation and output shapes for recurrent layers.

Every recurrent layer in Keras reads a 3-D input ``(samples, timesteps, input_dim)``.
"""

from dataclasses import dataclass

import numpy as np

from rnnbook.backend import to_numpy
from rnnbook.params import check_size, count_params, dense_params, normalize_kind

INPUT_WORDS = "(samples, timesteps, input_dim)"


def validate_input(inputs, *, input_dim=None, layer_name=None):
    """Return ``inputs`` as a 3-D array, or raise an error that says what is wrong.

    Parameters
    ----------
    inputs : array_like, expected ``(samples, timesteps, input_dim)``: NumPy, nested lists, or a
        tensor of any Keras backend.
    input_dim : int, optional. The layer's expected last axis (its kernel's first axis).
    layer_name : str, optional. Named in the messages.

    Raises
    ------
    TypeError for non-numeric data; ValueError for a wrong number of axes, no time steps,
    or an ``input_dim`` that does not match the layer.
    """
    who = f"layer {layer_name!r}" if layer_name else "a recurrent layer"
    try:
        array = to_numpy(inputs)
    except (ValueError, TypeError) as error:  # ragged lists
        raise ValueError(
            f"{who} expects a rectangular array of shape {INPUT_WORDS}; could not make one "
            f"from the inputs given ({error}). Pad sequences to one length first "
            "(keras.utils.pad_sequences)."
        ) from None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number)
                                     or array.dtype == bool):
        raise TypeError(f"{who} expects numbers of shape {INPUT_WORDS}; got dtype {array.dtype}")
    if np.iscomplexobj(array):
        raise TypeError(f"{who} expects real numbers; got dtype {array.dtype}")
    if array.ndim != 3:
        raise ValueError(_wrong_rank_message(who, array.shape, input_dim))
    samples, timesteps, features = array.shape
    if timesteps == 0:
        raise ValueError(f"{who} needs at least one time step; got inputs of shape "
                         f"{INPUT_WORDS} = {array.shape}")
    if input_dim is not None and features != input_dim:
        raise ValueError(
            f"{who} expects input_dim = {input_dim} (its kernel has {input_dim} rows); got "
            f"inputs of shape {INPUT_WORDS} = {array.shape}, so input_dim = {features}"
        )
    return array


def _wrong_rank_message(who, shape, input_dim):
    message = (f"{who} expects a 3-D input of shape {INPUT_WORDS}; got a {len(shape)}-D "
               f"array of shape {shape}.")
    if len(shape) == 2:
        a, b = shape
        one_sample = (f" If it is one sample of {a} timesteps with {b} features each, add the "
                      f"samples axis: x[np.newaxis] has shape (1, {a}, {b}).")
        scalars = (f" If it is {a} samples of {b} timesteps with one number each (e.g. word "
                   f"indices), add the feature axis: x[..., np.newaxis] has shape ({a}, {b}, 1)"
                   " (for word indices an Embedding layer is better).")
        if input_dim == b:
            return message + one_sample
        if input_dim == 1:
            return message + scalars
        return message + one_sample + scalars
    if len(shape) == 1:
        return message + (f" If it is one sequence of {shape[0]} numbers, reshape it to "
                          f"(1, {shape[0]}, 1).")
    return message


def output_shapes(kind, input_shape, units, *, return_sequences=False, return_state=False,
                  bidirectional=False, merge_mode="concat"):
    """Shapes of what a recurrent layer returns for an input of shape ``input_shape``.

    Parameters
    ----------
    kind : ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"``.
    input_shape : ``(samples, timesteps, input_dim)``; ``samples`` and ``timesteps`` may be None.
    units : int.

    Returns
    -------
    list of tuples, in the order Keras returns the tensors: the output (two of them for
    ``Bidirectional(merge_mode=None)``), then the states (``h``; ``h, c`` for an LSTM;
    forward states first under ``Bidirectional``).
    """
    kind = normalize_kind(kind)
    units = check_size("units", units)
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be {INPUT_WORDS}; got {tuple(input_shape)}")
    samples, timesteps, input_dim = input_shape
    check_size("input_dim", input_dim)
    if merge_mode not in ("concat", "sum", "ave", "mul", None):
        raise ValueError(f"merge_mode must be 'concat', 'sum', 'ave', 'mul' or None; "
                         f"got {merge_mode!r}")
    width = 2 * units if bidirectional and merge_mode == "concat" else units
    output = (samples, timesteps, width) if return_sequences else (samples, width)
    outputs = [output, output[:-1] + (units,)] if bidirectional and merge_mode is None else [output]
    if not return_state:
        return outputs
    n_states = (2 if kind == "LSTM" else 1) * (2 if bidirectional else 1)
    return outputs + [(samples, units)] * n_states


# ---- stacks of layers: what each one returns, and the parameters it holds -----------------

RECURRENT_KINDS = ("SimpleRNN", "LSTM", "GRU")
DENSE_KINDS = ("Dense", "TimeDistributed(Dense)")


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a stack, described by the arguments that decide its output shapes.

    ``kind`` is ``"SimpleRNN"``, ``"LSTM"``, ``"GRU"`` (any case), ``"Dense"`` or
    ``"TimeDistributed(Dense)"``; the return flags and ``bidirectional``/``merge_mode``
    apply to the recurrent kinds only.
    """

    kind: str
    units: int
    return_sequences: bool = False
    return_state: bool = False
    bidirectional: bool = False
    merge_mode: str | None = "concat"

    @property
    def recurrent(self):
        return self.kind not in DENSE_KINDS

    def label(self):
        """The Keras expression that builds this layer, e.g. ``LSTM(8, return_sequences=True)``."""
        if not self.recurrent:
            inner = f"Dense({self.units})"
            return inner if self.kind == "Dense" else f"TimeDistributed({inner})"
        flags = "".join(f", {name}=True" for name in ("return_sequences", "return_state")
                        if getattr(self, name))
        inner = f"{normalize_kind(self.kind)}({self.units}{flags})"
        if not self.bidirectional:
            return inner
        return f"Bidirectional({inner}, merge_mode={self.merge_mode!r})"


@dataclass(frozen=True)
class ShapeRow:
    """One row of a shape table: a layer, the shape it reads, the shapes it returns, its
    parameter count."""

    layer: str
    input_shape: tuple
    outputs: tuple
    params: int


def stack_shapes(input_shape, specs):
    """Shapes through a stack of layers, each reading the previous layer's first output.

    Parameters
    ----------
    input_shape : ``(samples, timesteps, input_dim)``; ``samples`` may be None.
    specs : list of :class:`LayerSpec`.

    Returns
    -------
    list of :class:`ShapeRow`, one per layer; ``outputs`` in the order Keras returns them
    (see :func:`output_shapes`) and ``params`` as ``count_params()`` reports it.

    Raises
    ------
    ValueError when a layer cannot read what the layer before returns, saying which flag
    to change (the usual one: ``return_sequences=False`` before a second recurrent layer).
    """
    shape, rows, previous = tuple(input_shape), [], None
    for position, spec in enumerate(specs, start=1):
        if not isinstance(spec, LayerSpec):
            raise TypeError(f"layer {position} must be a LayerSpec; got {spec!r}")
        if spec.recurrent and str(spec.kind).lower().replace("_", "") not in (
                k.lower() for k in RECURRENT_KINDS):
            raise ValueError(f"layer {position}: unknown kind {spec.kind!r}: expected one of "
                             f"{', '.join(repr(k) for k in RECURRENT_KINDS + DENSE_KINDS)}")
        if spec.recurrent:
            if len(shape) != 3:
                raise ValueError(_needs_sequence_message(position, spec, shape, previous))
            outputs = output_shapes(spec.kind, shape, spec.units,
                                    return_sequences=spec.return_sequences,
                                    return_state=spec.return_state,
                                    bidirectional=spec.bidirectional, merge_mode=spec.merge_mode)
            params = count_params(spec.kind, spec.units, shape[-1],
                                  bidirectional=spec.bidirectional)
            if spec.bidirectional and spec.merge_mode is None:
                # the two directions come back as two tensors: a next layer cannot read both
                outputs_fed = None
            else:
                outputs_fed = outputs[0]
        else:
            if spec.kind == "TimeDistributed(Dense)" and len(shape) != 3:
                raise ValueError(_needs_sequence_message(position, spec, shape, previous))
            units = check_size("units", spec.units)
            outputs = [shape[:-1] + (units,)]
            params = dense_params(units, shape[-1])
            outputs_fed = outputs[0]
        rows.append(ShapeRow(spec.label(), shape, tuple(outputs), params))
        if outputs_fed is None and position < len(specs):
            raise ValueError(f"layer {position}, {spec.label()}, returns two tensors (one per "
                             "direction); the next layer reads one. Use merge_mode 'concat', "
                             "'sum', 'ave' or 'mul' to merge them.")
        shape, previous = outputs_fed, spec
    return rows


def _needs_sequence_message(position, spec, shape, previous):
    message = (f"layer {position}, {spec.label()}, reads a sequence {INPUT_WORDS} but gets "
               f"a {len(shape)}-D tensor of shape {shape}")
    if previous is not None and previous.recurrent and not previous.return_sequences:
        return message + (f": layer {position - 1}, {previous.label()}, returns only its last "
                          "step. Give it return_sequences=True so it returns every step.")
    return message + "."


def layer_tensors(samples, timesteps, input_dim, units, kind="LSTM", *, return_sequences=False,
                  return_state=False, bidirectional=False, merge_mode="concat"):
    """The input and every tensor one recurrent layer returns, named, with its parameters.

    Returns
    -------
    dict with ``tensors``: list of ``(name, shape)``, the input first, then the outputs in
    Keras' order (``output`` or ``output (forward)``/``output (backward)``, then ``h``,
    ``c``, forward states first); ``params``: the layer's ``count_params()``;
    ``label``: the Keras expression.
    """
    spec = LayerSpec(kind, units, return_sequences, return_state, bidirectional, merge_mode)
    (row,) = stack_shapes((samples, timesteps, input_dim), [spec])
    names = ["output"]
    if bidirectional and merge_mode is None:
        names = ["output (forward)", "output (backward)"]
    if return_state:
        states = ["h", "c"] if normalize_kind(kind) == "LSTM" else ["h"]
        if bidirectional:
            names += [f"{s} (forward)" for s in states] + [f"{s} (backward)" for s in states]
        else:
            names += states
    tensors = [("input", row.input_shape), *zip(names, row.outputs, strict=True)]
    return {"tensors": tensors, "params": row.params, "label": row.layer}
