"""Seed 001's frame-tagging models, a synthetic task for them, and frame-level F1.

Seed 001 ("Implementation of RNN, LSTM, and GRU") builds three models on inputs of shape
``(256, 256)`` (256 frames of 256 features, a spectrogram say) with a 10-class sigmoid
output at every frame, but gives no data. :func:`tagging_data` makes some: each class
has a fixed *signature* (a set of feature bins); an event of a class adds its signature,
times ``amplitude``, to a run of frames of random length in Gaussian noise. Events may
overlap, so a frame can carry several labels: a multi-label, frame-wise task.
"""

import numpy as np

TIMESTEPS, FEATURES, CLASSES = 256, 256, 10
#: Seed 001's settings: two recurrent layers of 32, one TimeDistributed Dense of 32.
RNN_UNITS, FC_UNITS, DROPOUT = (32, 32), (32,), 0.5
#: The article's ``optimizer='Adam'``: Adam at Keras' default learning rate.
LEARNING_RATE = 0.001


def class_signatures(classes=CLASSES, features=FEATURES, *, band=16, seed=1234):
    """Each class's feature bins: a 0/1 array ``(classes, features)`` with ``band`` ones per row.

    Fixed by ``seed`` so that training and test sets share them.
    """
    if not 0 < band <= features:
        raise ValueError(f"band must be between 1 and features={features}; got {band}")
    rng = np.random.default_rng(seed)
    signatures = np.zeros((classes, features), dtype=np.float32)
    for c in range(classes):
        signatures[c, rng.choice(features, size=band, replace=False)] = 1.0
    return signatures


def tagging_data(samples, *, timesteps=TIMESTEPS, features=FEATURES, classes=CLASSES,
                 events=(2, 5), lengths=(8, 64), amplitude=0.75, noise=1.0, band=16, seed=0,
                 signature_seed=1234):
    """Sequences with events of different lengths in noise, and their frame-wise labels.

    Parameters
    ----------
    samples : number of sequences.
    events : (fewest, most) events per sequence, inclusive.
    lengths : (shortest, longest) event, in frames, inclusive.
    amplitude : how strongly an event adds its class signature to each of its frames.
    noise : standard deviation of the Gaussian background.
    seed : draws the noise and the events; ``signature_seed`` the class signatures.

    Returns
    -------
    x : float32 ``(samples, timesteps, features)``.
    y : float32 ``(samples, timesteps, classes)``, 1 where a frame lies inside an event of
        that class.
    """
    low, high = lengths
    if not 1 <= low <= high <= timesteps:
        raise ValueError(f"lengths must satisfy 1 <= shortest <= longest <= timesteps="
                         f"{timesteps}; got {lengths}")
    if not 0 <= events[0] <= events[1]:
        raise ValueError(f"events must be (fewest, most) with 0 <= fewest <= most; got {events}")
    if samples < 1:
        raise ValueError(f"samples must be at least 1; got {samples}")
    signatures = class_signatures(classes, features, band=band, seed=signature_seed)
    rng = np.random.default_rng(seed)
    x = (noise * rng.standard_normal((samples, timesteps, features))).astype(np.float32)
    y = np.zeros((samples, timesteps, classes), dtype=np.float32)
    for s in range(samples):
        for _ in range(rng.integers(events[0], events[1] + 1)):
            c = rng.integers(classes)
            length = rng.integers(low, high + 1)
            start = rng.integers(0, timesteps - length + 1)
            x[s, start:start + length] += amplitude * signatures[c]
            y[s, start:start + length, c] = 1.0
    return x, y


def frame_f1(y_true, y_prob, *, threshold=0.5, average="micro"):
    """Frame-level F1 of multi-label predictions.

    ``y_true`` (0/1) and ``y_prob`` (probabilities) have shape ``(..., classes)``; a
    frame-class pair is predicted positive when ``y_prob >= threshold``. ``"micro"`` counts
    true positives, false positives and false negatives over every frame and class,
    F1 = 2 TP / (2 TP + FP + FN); ``"macro"`` averages the per-class F1. A class with
    nothing to find and nothing predicted scores 1.
    """
    y_true, y_prob = np.asarray(y_true), np.asarray(y_prob)
    if y_true.shape != y_prob.shape:
        raise ValueError(f"shapes differ: y_true {y_true.shape}, y_prob {y_prob.shape}")
    if average not in ("micro", "macro"):
        raise ValueError(f"average must be 'micro' or 'macro'; got {average!r}")
    truth = y_true.reshape(-1, y_true.shape[-1]) > 0.5
    predicted = y_prob.reshape(-1, y_prob.shape[-1]) >= threshold
    tp = np.sum(truth & predicted, axis=0)
    fp = np.sum(~truth & predicted, axis=0)
    fn = np.sum(truth & ~predicted, axis=0)
    if average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    denominator = 2 * tp + fp + fn
    f1 = np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 1.0)
    return float(np.mean(f1))


def tagging_model(kind, *, rnn_units=RNN_UNITS, fc_units=FC_UNITS, dropout=DROPOUT,
                  input_shape=(TIMESTEPS, FEATURES), classes=CLASSES, reset_after=False,
                  recurrent_activation="sigmoid", learning_rate=LEARNING_RATE, metrics=None):
    """Seed 001's ``get_model``: stacked ``kind`` layers (``return_sequences=True``, dropout
    and recurrent dropout), ``TimeDistributed(Dense)`` + ``Dropout`` blocks, then
    ``TimeDistributed(Dense(classes))`` and a sigmoid named ``strong_out``.

    Input ``(samples, 256, 256)``, output ``(samples, 256, 10)``; compiled with Adam (the
    article's ``optimizer='Adam'`` is Adam at its default rate, :data:`LEARNING_RATE`) and
    binary cross-entropy. ``metrics`` defaults to :func:`binary_accuracy_metric`, what the
    article's ``metrics=['accuracy']`` meant in Keras 2; in Keras 3 the same string means
    categorical accuracy here (:func:`keras_accuracy_resolution`). ``dropout`` sets every
    rate the article sets to ``dropout_rate`` (0 removes them all). ``reset_after=False``
    gives the GRU the article's Keras 2 parameter count (27,744 + 6,240); Keras 3's default
    is True. ``recurrent_activation`` is Keras 3's default; Keras 2.2.5's LSTM and GRU used
    ``"hard_sigmoid"`` (another function in Keras 3; see the Keras 2 to 3 appendix).
    """
    import keras
    from keras import layers

    recurrent = {"SimpleRNN": layers.SimpleRNN, "LSTM": layers.LSTM, "GRU": layers.GRU}
    if kind not in recurrent:
        raise ValueError(f"kind must be one of {tuple(recurrent)}; got {kind!r}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1); got {dropout}")
    spec_start = keras.Input(input_shape)
    spec_x = spec_start
    for units in rnn_units:
        options = {"reset_after": reset_after} if kind == "GRU" else {}
        if kind != "SimpleRNN":
            options["recurrent_activation"] = recurrent_activation
        spec_x = recurrent[kind](units, activation="tanh", dropout=dropout,
                                 recurrent_dropout=dropout, return_sequences=True,
                                 **options)(spec_x)
    for units in fc_units:
        spec_x = layers.TimeDistributed(layers.Dense(units))(spec_x)
        spec_x = layers.Dropout(dropout)(spec_x)
    spec_x = layers.TimeDistributed(layers.Dense(classes))(spec_x)
    out = layers.Activation("sigmoid", name="strong_out")(spec_x)
    model = keras.Model(inputs=spec_start, outputs=out, name=f"tagger_{kind.lower()}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="binary_crossentropy",
                  metrics=[binary_accuracy_metric()] if metrics is None else metrics)
    return model


def frame_dense_model(*, input_shape=(TIMESTEPS, FEATURES), classes=CLASSES,
                      learning_rate=LEARNING_RATE):
    """The per-frame baseline: ``TimeDistributed(Dense(classes))`` and a sigmoid, no memory.

    Each frame's ten answers depend on that frame's features alone; compiled as
    :func:`tagging_model`. Input ``(samples, 256, 256)``, output ``(samples, 256, 10)``.
    """
    import keras
    from keras import layers

    inputs = keras.Input(input_shape)
    logits = layers.TimeDistributed(layers.Dense(classes))(inputs)
    out = layers.Activation("sigmoid", name="strong_out")(logits)
    model = keras.Model(inputs, out, name="tagger_dense_per_frame")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="binary_crossentropy", metrics=[binary_accuracy_metric()])
    return model


def binary_accuracy_metric():
    """``keras.metrics.BinaryAccuracy`` named ``binary_accuracy``: the share of (frame, class)
    answers right at threshold 0.5, what Keras 2 computed for ``'accuracy'`` with this loss."""
    import keras

    return keras.metrics.BinaryAccuracy(name="binary_accuracy")


def matched_filter(x, *, amplitude, band=16, signature_seed=1234, classes=CLASSES):
    """The ceiling: an oracle that knows each class's signature, as 0/1 answers.

    A frame is called positive for a class when the mean of its ``band`` signature features
    exceeds ``amplitude / 2``, half way between the noise's mean (0) and an event's.
    ``x`` ``(samples, timesteps, features)``; returns ``(samples, timesteps, classes)``.
    """
    x = np.asarray(x)
    signatures = class_signatures(classes, x.shape[-1], band=band, seed=signature_seed)
    matched = x @ signatures.T / band
    return (matched > amplitude / 2).astype(np.float32)


def accuracies(y_true, y_prob, *, threshold=0.5):
    """Three accuracies of frame-tagging answers, in NumPy.

    ``binary``: the share of (frame, class) answers right at ``threshold`` (Keras'
    ``BinaryAccuracy``); ``categorical``: the share of frames whose largest output is at the
    position of their largest label (Keras' ``CategoricalAccuracy``: argmax against argmax,
    so a frame with no label counts as class 0); ``all_no``: the binary accuracy of
    answering "no" everywhere, ``1 - mean(y)``.
    ``y_true`` and ``y_prob`` are ``(..., classes)``.
    """
    y_true, y_prob = np.asarray(y_true), np.asarray(y_prob)
    if y_true.shape != y_prob.shape:
        raise ValueError(f"shapes differ: y_true {y_true.shape}, y_prob {y_prob.shape}")
    return {"binary": float(np.mean((y_prob >= threshold) == (y_true > 0.5))),
            "categorical": float(np.mean(y_true.argmax(-1) == y_prob.argmax(-1))),
            "all_no": float(1 - np.mean(y_true > 0.5))}


def keras_accuracy_resolution(kind="GRU", *, samples=8, seed=7, data=None):
    """What Keras 3 computes for the article's ``metrics=['accuracy']``, on an untrained tagger.

    Builds :func:`tagging_model` ``(kind)`` compiled with ``metrics=["accuracy",
    BinaryAccuracy, CategoricalAccuracy]``, runs it on ``samples`` sequences of
    :func:`tagging_data` (amplitude 3, events of 16 to 64 frames, seeded; or ``data=(x, y)``,
    of any number of frames: the model is built for its shape)
    and lets Keras resolve and compute its compiled metrics (``model.compute_metrics``, the
    step ``fit`` and ``evaluate`` take). Returns a dict: ``accuracy`` (what the string
    became), ``binary`` and ``categorical`` (Keras' metrics by name), ``all_no`` (the binary
    accuracy of answering "no" everywhere) and ``resolved_to`` (``"categorical"`` or
    ``"binary"``: which of the two the string matched, or ``"neither"``).
    """
    import keras

    x, y = data if data is not None else tagging_data(samples, amplitude=3.0, lengths=(16, 64),
                                                      seed=seed)
    keras.utils.set_random_seed(seed)
    model = tagging_model(kind, input_shape=tuple(x.shape[1:]), metrics=[
        "accuracy", keras.metrics.BinaryAccuracy(name="binary"),
        keras.metrics.CategoricalAccuracy(name="categorical")])
    found = model.compute_metrics(x, y, model(x, training=False), sample_weight=None)
    result = {name: float(found[name]) for name in ("accuracy", "binary", "categorical")}
    result["all_no"] = float(1 - np.mean(y))
    matches = [name for name in ("categorical", "binary")
               if abs(result["accuracy"] - result[name]) < 1e-6]
    result["resolved_to"] = matches[0] if len(matches) == 1 else "neither"
    return result


def base_rate_bce(y):
    """The binary cross-entropy of always answering the positive rate ``p`` of ``y``:
    ``-(p log p + (1 - p) log(1 - p))``, the loss of a model that learned only how rare
    the labels are."""
    p = float(np.mean(np.asarray(y) > 0.5))
    if not 0 < p < 1:
        raise ValueError(f"the positive rate must be strictly between 0 and 1; got {p}")
    return float(-(p * np.log(p) + (1 - p) * np.log(1 - p)))


def example_figure(x, y, sample=0, *, band=16, signature_seed=1234):
    """One synthetic sequence: its features over frames (top), the mean of each class's
    signature bins (middle, where the events show) and its frame labels (bottom).

    ``x`` ``(samples, timesteps, features)``, ``y`` ``(samples, timesteps, classes)``;
    ``band`` and ``signature_seed`` must be those that made the data.
    """
    import matplotlib.pyplot as plt

    from rnnbook.plots import MAX_WIDTH_INCHES

    signatures = class_signatures(y.shape[-1], x.shape[-1], band=band, seed=signature_seed)
    matched = x[sample] @ signatures.T / band  # (timesteps, classes)
    fig, axes = plt.subplots(3, 1, figsize=(MAX_WIDTH_INCHES, 5.6), sharex=True,
                             gridspec_kw={"height_ratios": [3, 1.4, 1.4]})
    panels = [(x[sample].T, "feature", "input x: 256 noisy features per frame", None),
              (matched.T, "class", "mean of each class's 16 signature features", None),
              (y[sample].T, "class", "labels y (1 = inside an event of that class)", (0, 1))]
    for ax, (image, ylabel, title, limits) in zip(axes, panels, strict=True):
        low, high = limits or (None, None)
        shown = ax.imshow(image, aspect="auto", cmap="cividis", origin="lower",
                          interpolation="nearest", vmin=low, vmax=high)
        ax.set(ylabel=ylabel, title=title)
        ax.title.set_fontsize(10)
        fig.colorbar(shown, ax=ax, pad=0.01)
    axes[-1].set_xlabel("frame")
    fig.tight_layout()
    return fig
