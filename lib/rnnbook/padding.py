"""Variable-length sequences: padding masks, and what padding does to a layer's final state.

Shapes: ``sequences`` is a list of arrays ``(length_i, input_dim)``; a padded batch is
``(samples, timesteps, input_dim)``; a mask is ``(samples, timesteps)`` of booleans
(``True`` = a real step, as Keras' masks).
"""

import numpy as np

from rnnbook import reference


def pad(sequences, padding="post", value=0.0):
    """Stack sequences ``(length_i, input_dim)`` into ``(samples, max_length, input_dim)``.

    ``padding="post"`` appends ``value`` after each sequence, ``"pre"`` puts it before, as
    ``keras.utils.pad_sequences`` does (this version keeps the feature axis and float dtype).
    """
    if padding not in ("pre", "post"):
        raise ValueError(f"padding must be 'pre' or 'post'; got {padding!r}")
    arrays = [np.asarray(s, dtype=np.float32) for s in sequences]
    if not arrays or any(a.ndim != 2 for a in arrays):
        raise ValueError("sequences must be a non-empty list of 2-D arrays "
                         "(length, input_dim)")
    features = {a.shape[1] for a in arrays}
    if len(features) != 1:
        raise ValueError(f"every sequence needs the same input_dim; got {sorted(features)}")
    longest = max(a.shape[0] for a in arrays)
    batch = np.full((len(arrays), longest, features.pop()), value, dtype=np.float32)
    for row, a in zip(batch, arrays, strict=True):
        if padding == "post":
            row[:len(a)] = a
        else:
            row[longest - len(a):] = a
    return batch


def padding_mask(batch, value=0.0):
    """The mask ``keras.layers.Masking(mask_value=value)`` computes: a step is real when
    any of its features differs from ``value``. ``batch`` is ``(samples, timesteps,
    input_dim)``, or ``(samples, timesteps)`` of word indices (then: index != value, as
    ``Embedding(mask_zero=True)`` with ``value=0``)."""
    batch = np.asarray(batch)
    if batch.ndim == 2:
        return batch != value
    if batch.ndim == 3:
        return np.any(batch != value, axis=-1)
    raise ValueError(f"batch must be (samples, timesteps) or (samples, timesteps, input_dim); "
                     f"got shape {batch.shape}")


def final_state_drift(layer, sequences, *, padding="post", masked=False):
    """How far padding moves each sequence's final output from the one it has alone.

    Parameters
    ----------
    layer : a built recurrent layer (``return_sequences=False``, no states returned).
    sequences : list of arrays ``(length_i, input_dim)``, none all zeros.
    padding : ``"pre"`` or ``"post"``. masked : pass the padding mask to the layer.

    Returns
    -------
    ndarray ``(samples,)``: ``max |h_T(padded batch) - h_T(sequence alone)|`` per sequence,
    computed by the NumPy reference in float64, so that float32 rounding (which differs a
    little between a batch and a single sequence) does not hide or fake a difference.
    """
    batch = pad(sequences, padding).astype(np.float64)
    mask = padding_mask(batch) if masked else None
    padded = np.asarray(reference.forward(layer, batch, mask=mask))
    if padded.ndim != 2:
        raise ValueError("layer must return one tensor (samples, units): use "
                         "return_sequences=False and return_state=False")
    alone = np.concatenate([np.asarray(reference.forward(layer, np.asarray(s, np.float64)[None]))
                            for s in sequences])
    return np.max(np.abs(padded - alone), axis=1)
