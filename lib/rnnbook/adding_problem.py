"""The adding problem: a long-memory task with a known trivial baseline.

Hochreiter & Schmidhuber introduced it (values in [-1, 1], the first marked pair among
the first ten, the second among the first T/2 - 1, a scaled target); this is the variant
of Arjovsky, Shah & Bengio (2016, "The first 1 entry is located uniformly at random in the
first half of the sequence, whilst the second 1 entry is located uniformly at random in
the second half"). Each sequence has ``timesteps`` steps and two input channels:

- channel 0: values drawn uniformly from [0, 1);
- channel 1: a marker, 1 at exactly two steps and 0 elsewhere ("two-hot"): the first
  marked step is drawn from the first half of the sequence and the second from the second
  half, so the network must carry a number across about T/2 steps or more.

The target is the sum of the two marked values. Always answering 1 (the mean of the
target) gives a mean squared error of Var(u1 + u2) = 2 * 1/12 = 1/6 ~ 0.167: a model
learned something only if it beats that clearly.
"""

import numpy as np

#: Var(u1 + u2) for two independent U(0, 1) values: the MSE of always predicting 1.
BASELINE_MSE = 2.0 / 12.0
#: The constant prediction that attains it: E[u1 + u2].
BASELINE_PREDICTION = 1.0


def generate(samples, timesteps, seed=0):
    """Draw a batch of adding-problem sequences.

    Parameters
    ----------
    samples : int, number of sequences (>= 1).
    timesteps : int, sequence length T (>= 2).
    seed : int, seed of the NumPy generator (the same seed gives the same batch).

    Returns
    -------
    x : float32 array ``(samples, timesteps, 2)``: values in channel 0, markers in channel 1.
    y : float32 array ``(samples, 1)``: the sum of the two marked values.
    """
    if int(samples) != samples or samples < 1:
        raise ValueError(f"samples must be a positive integer, got {samples!r}")
    if int(timesteps) != timesteps or timesteps < 2:
        raise ValueError(f"timesteps must be an integer >= 2 (two markers), got {timesteps!r}")
    samples, timesteps = int(samples), int(timesteps)
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, (samples, timesteps))
    half = timesteps // 2
    first = rng.integers(0, half, samples)              # a step in the first half
    second = rng.integers(half, timesteps, samples)     # a step in the second half
    markers = np.zeros((samples, timesteps))
    rows = np.arange(samples)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(np.float32)
    y = (values[rows, first] + values[rows, second]).reshape(-1, 1).astype(np.float32)
    return x, y


def baseline_mse(y):
    """MSE of always predicting :data:`BASELINE_PREDICTION` on targets ``y`` (any shape)."""
    y = np.asarray(y, dtype=np.float64)
    return float(np.mean((y - BASELINE_PREDICTION) ** 2))


def build_model(kind, timesteps, units=32, seed=0):
    """A recurrent layer (SimpleRNN, LSTM or GRU) reading the two channels, then Dense(1).

    Keras defaults throughout (LSTM forget-gate bias 1 via ``unit_forget_bias``, GRU
    ``reset_after``); weights seeded with ``seed``. Returns an uncompiled ``keras.Model``.
    """
    import keras

    layers = {"SimpleRNN": keras.layers.SimpleRNN, "LSTM": keras.layers.LSTM,
              "GRU": keras.layers.GRU}
    if kind not in layers:
        raise ValueError(f"unknown kind {kind!r}: expected one of {', '.join(layers)}")
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((timesteps, 2)), layers[kind](units),
                             keras.layers.Dense(1)], name=f"{kind}_T{timesteps}")


def train(kind, timesteps, *, units=32, steps=300, batch_size=64, learning_rate=1e-3,
          clipnorm=1.0, test_samples=1000, eval_every=25, seed=0, progress=None,
          return_model=False):
    """Train one model on fresh batches (online, as in the papers) and record test MSE.

    Each training step draws a new batch from :func:`generate`; the test set is fixed
    (drawn with seed ``10_000 + seed``). Adam with gradient-norm clipping ``clipnorm``.

    Parameters
    ----------
    progress : optional callable ``progress(step, test_mse)`` called after each evaluation.
    return_model : if true, return ``(run, model)``: the trained ``keras.Model`` too.

    Returns
    -------
    dict with ``eval_steps`` (evaluation points), ``test_mse`` (list, same length),
    ``final_test_mse``, ``baseline_test_mse`` (of the constant 1 on the same test set)
    and every setting used.
    """
    import keras

    if steps < 1 or eval_every < 1:
        raise ValueError("steps and eval_every must be positive")
    model = build_model(kind, timesteps, units=units, seed=seed)
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=clipnorm)
    model.compile(optimizer=optimizer, loss="mse")
    x_test, y_test = generate(test_samples, timesteps, seed=10_000 + seed)

    def test_mse():
        return float(np.mean((np.asarray(model.predict_on_batch(x_test)) - y_test) ** 2))

    history_steps, history_mse = [0], [test_mse()]
    for step in range(1, steps + 1):
        x, y = generate(batch_size, timesteps, seed=seed * 1_000_003 + step)
        model.train_on_batch(x, y)
        if step % eval_every == 0 or step == steps:
            history_steps.append(step)
            history_mse.append(test_mse())
            if progress is not None:
                progress(step, history_mse[-1])
    run = {"model": kind, "timesteps": timesteps, "units": units, "steps": steps,
           "batch_size": batch_size, "learning_rate": learning_rate, "clipnorm": clipnorm,
           "test_samples": test_samples, "seed": seed, "optimizer": "Adam",
           "params": int(model.count_params()),
           "eval_steps": history_steps, "test_mse": history_mse,
           "final_test_mse": history_mse[-1], "baseline_test_mse": baseline_mse(y_test)}
    return (run, model) if return_model else run


#: Which gate of each gated layer keeps the state: the LSTM's forget gate ``f`` (``c_t``
#: keeps ``f_t * c_{t-1}``) and the GRU's update gate ``z`` (``h_t`` keeps ``z_t * h_{t-1}``).
KEEP_GATE = {"LSTM": "f", "GRU": "z"}


def inspect_layer(layer, x):
    """How much a recurrent layer remembers on inputs ``x``: its lag curve and its keep gate.

    Parameters
    ----------
    layer : a built ``SimpleRNN``, ``LSTM`` or ``GRU`` (``model.layers[0]`` of
        :func:`build_model`).
    x : ``(samples, timesteps, 2)`` adding-problem inputs.

    Returns
    -------
    dict with ``lag_curve``, the mean ``||dh_{T-1}/dx_{T-1-lag}||_2`` for lag ``0 .. T-1``
    (``tf.GradientTape``, :func:`rnnbook.gradients.keras_input_gradient_norms`), and for
    gated layers ``keep_gate`` (``"f"`` or ``"z"``) and ``keep_gate_mean``, its mean over
    samples, steps and units (the NumPy reference engine's trace).
    """
    from rnnbook import gradients, reference

    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3 or x.shape[-1] != 2:
        raise ValueError(f"x must be (samples, timesteps, 2) adding-problem inputs, "
                         f"got shape {x.shape}")
    result = {"lag_curve": [float(v) for v in gradients.keras_input_gradient_norms(layer, x)]}
    kind = type(layer).__name__
    if kind in KEEP_GATE:
        gate = KEEP_GATE[kind]
        result.update(keep_gate=gate,
                      keep_gate_mean=float(reference.trace(layer, x)[gate].mean()))
    return result


#: A model that has learned one of the two marked values exactly and guesses the mean 0.5
#: for the other scores Var(u) = 1/12: below that it must be using both.
ONE_VALUE_MSE = 1.0 / 12.0


def summary_table(results):
    """Rows ``(model, timesteps, [final test MSE per seed])`` in the file's order of models
    and lengths, from the dict stored in ``data/adding_problem.json``."""
    rows = []
    for kind in results["models"]:
        for timesteps in results["timesteps"]:
            mses = [r["final_test_mse"] for seed in results["seeds"] for r in results["runs"]
                    if (r["model"], r["timesteps"], r["seed"]) == (kind, timesteps, seed)]
            rows.append((kind, timesteps, mses))
    return rows


#: Line styles and markers of the seeds in :func:`plot_learning_curves`, in seed order.
SEED_STYLES = [("-", "o"), (":", "s"), ("-.", "^"), ("--", "D")]


def plot_learning_curves(results, ylim=(0, 0.4)):
    """Test MSE against training step, one panel per length (stacked); seeds as separate lines.

    ``results``: the dict stored in ``data/adding_problem.json``, or its ``long_budget``
    part (the same keys). Colours are models; each seed has its own line style and marker,
    keyed in the legend. Returns a Figure.
    """
    from matplotlib.lines import Line2D

    lengths = results["timesteps"]
    lengths = lengths if isinstance(lengths, list) else [lengths]
    from rnnbook.plots import panels

    # one column (the steps are shared): a row of four panels is too small on a phone
    fig, axes = panels(len(lengths), height=3.4 if len(lengths) == 1 else 2.1, sharey=True)
    colors = {"SimpleRNN": "#0072B2", "LSTM": "#D55E00", "GRU": "#009E73"}
    seeds = results["seeds"]
    for ax, timesteps in zip(axes, lengths, strict=True):
        for run in results["runs"]:
            if run["timesteps"] != timesteps:
                continue
            style, marker = SEED_STYLES[seeds.index(run["seed"]) % len(SEED_STYLES)]
            every = max(1, len(run["eval_steps"]) // 8)
            ax.plot(run["eval_steps"], run["test_mse"], style, marker=marker,
                    markevery=every, markersize=4, color=colors.get(run["model"], "black"))
        ax.axhline(BASELINE_MSE, color="black", linewidth=1)
        ax.axhline(ONE_VALUE_MSE, color="gray", linewidth=1, linestyle="--")
        ax.set_title(f"T = {timesteps}")
        ax.set_ylim(*ylim)
        ax.set_ylabel("test MSE")
    axes[-1].set_xlabel("training step")
    keys = [Line2D([], [], color=colors.get(m, "black"), linewidth=2, label=m)
            for m in results["models"]]
    keys += [Line2D([], [], color="dimgray", linestyle=style, marker=marker,
                    label=f"seed {seed}")
             for seed, (style, marker) in zip(seeds, SEED_STYLES, strict=False)]
    keys += [Line2D([], [], color="black", linewidth=1, label="always 1 (1/6)"),
             Line2D([], [], color="gray", linewidth=1, linestyle="--",
                    label="one value only (1/12)")]
    fig.legend(handles=keys, loc="outside right center", fontsize=9, frameon=False)
    return fig
