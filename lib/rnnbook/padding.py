"""Variable-length sequences: padding, masks, buckets, and what padding does to a final state.

Shapes: ``sequences`` is a list of arrays ``(length_i, input_dim)``; a padded batch is
``(samples, timesteps, input_dim)``; a mask is ``(samples, timesteps)`` of booleans
(``True`` = a real step, as Keras' masks). Time steps are zero-based: a sequence of length
``T`` ends in the output ``h_{T-1}``.
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
    ndarray ``(samples,)``: the largest absolute difference, per sequence, between its final
    output in the padded batch and its final output alone (``h_{T-1}`` of its own length),
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


def bucket_by_length(sequences):
    """Group sequences of equal length into batches that need no padding.

    Parameters
    ----------
    sequences : list of arrays ``(length_i, input_dim)``.

    Returns
    -------
    list of ``(indices, batch)``, shortest length first: ``indices`` are the positions in
    ``sequences`` of the rows of ``batch``, an array ``(len(indices), length, input_dim)``.
    """
    arrays = [np.asarray(s) for s in sequences]
    if not arrays or any(a.ndim != 2 for a in arrays):
        raise ValueError("sequences must be a non-empty list of 2-D arrays "
                         "(length, input_dim)")
    by_length = {}
    for index, array in enumerate(arrays):
        by_length.setdefault(len(array), []).append(index)
    return [(indices, np.stack([arrays[i] for i in indices]))
            for _, indices in sorted(by_length.items())]


def state_paths(layer, sequence, timesteps):
    """One sequence's output at every step, alone and padded to ``timesteps`` four ways.

    Parameters
    ----------
    layer : a built recurrent layer with ``return_sequences=True`` (no states returned).
    sequence : array ``(length, input_dim)``. timesteps : the padded length, >= length.

    Returns
    -------
    dict of label -> array ``(timesteps, units)``, in the padded batch's time order: keys
    ``"alone"`` (length rows only), ``"post, no mask"``, ``"post, mask"``, ``"pre, no mask"``,
    ``"pre, mask"``. Computed by the NumPy reference in float64.
    """
    sequence = np.asarray(sequence, dtype=np.float64)
    length = len(sequence)
    if timesteps < length:
        raise ValueError(f"timesteps = {timesteps} is shorter than the sequence ({length})")
    filler = np.zeros((timesteps - length, sequence.shape[1]))
    paths = {"alone": np.asarray(reference.forward(layer, sequence[None]))[0]}
    for mode, padded in (("post", np.concatenate([sequence, filler])),
                         ("pre", np.concatenate([filler, sequence]))):
        batch = padded[None]
        for masked in (False, True):
            mask = padding_mask(batch) if masked else None
            out = np.asarray(reference.forward(layer, batch, mask=mask))
            if out.ndim != 3:
                raise ValueError("layer must return the whole sequence: use "
                                 "return_sequences=True and return_state=False")
            paths[f"{mode}, {'mask' if masked else 'no mask'}"] = out[0]
    return paths


def plot_state_paths(paths, unit=0, title=None, layer_name=None):
    """Draw :func:`state_paths` for one unit: post-padding (top) and pre-padding (bottom),
    stacked so that the figure stays legible on a phone.

    One legend serves both panels (above them); ``layer_name`` (e.g. ``"LSTM(4)"``) is named
    in the y label.

    Returns
    -------
    matplotlib.figure.Figure
    """

    from rnnbook.plots import OKABE_ITO, panels

    alone = paths["alone"][:, unit]
    timesteps = len(paths["post, no mask"])
    fig, axes = panels(2, height=2.6, sharey=True)
    for ax, mode in zip(axes, ("post", "pre"), strict=True):
        start = 0 if mode == "post" else timesteps - len(alone)
        steps = np.arange(timesteps)
        ax.axvspan(start - 0.5, start + len(alone) - 0.5, color="0.9", zorder=0)
        ax.plot(steps, paths[f"{mode}, no mask"][:, unit], color=OKABE_ITO[5], lw=2,
                label="padded, no mask")
        ax.plot(steps, paths[f"{mode}, mask"][:, unit], color=OKABE_ITO[4], lw=2, ls="--",
                label="padded, with mask")
        ax.plot(start + np.arange(len(alone)), alone, "o", color="black", ms=4,
                label="sequence alone")
        ax.set_title(f"padding='{mode}'")
    axes[-1].set_xlabel("time step t (grey: the real steps)")
    who = f"{layer_name} output" if layer_name else "output"
    for ax in axes:
        ax.set_ylabel(f"{who} $h_t$, unit {unit}")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=3, fontsize=9, frameon=False)
    if title:
        fig.suptitle(title)
    return fig
