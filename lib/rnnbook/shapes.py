"""Input validation and output shapes for recurrent layers.

Every recurrent layer in Keras reads a 3-D input ``(samples, timesteps, input_dim)``.
"""

import numpy as np

from rnnbook.params import check_size, normalize_kind

INPUT_WORDS = "(samples, timesteps, input_dim)"


def validate_input(inputs, *, input_dim=None, layer_name=None):
    """Return ``inputs`` as a 3-D array, or raise an error that says what is wrong.

    Parameters
    ----------
    inputs : array_like, expected ``(samples, timesteps, input_dim)``.
    input_dim : int, optional. The layer's expected last axis (its kernel's first axis).
    layer_name : str, optional. Named in the messages.

    Raises
    ------
    TypeError for non-numeric data; ValueError for a wrong number of axes, no time steps,
    or an ``input_dim`` that does not match the layer.
    """
    who = f"layer {layer_name!r}" if layer_name else "a recurrent layer"
    try:
        array = np.asarray(inputs)
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
