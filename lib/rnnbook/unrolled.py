"""The recurrent loop, unrolled: one SimpleRNN cell applied at every time step.

A SimpleRNN computes, for rows of samples,

    h_t = tanh(x_t W + h_{t-1} U + b),   t = 0, ..., timesteps - 1,   h_{-1} = 0,

with ``W = kernel (input_dim, units)``, ``U = recurrent_kernel (units, units)`` and
``b = bias (units,)``, the same three arrays at every step. This module holds the loop
written out (:func:`unroll`), backpropagation through it, whole or truncated at a chunk edge
(:func:`input_gradients`), the cost of one pass (:func:`multiply_adds`), the rolled and
unrolled drawing (:func:`draw_rolled_and_unrolled`), a trained model's answer against its inputs
(:func:`plot_answer_against_inputs`) and the step-through-time explorer (:func:`step_numbers`,
:func:`step_view`, :func:`step_explorer`).
"""

from html import escape

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from rnnbook.explorer import Choice, Explorer, Slider
from rnnbook.params import check_size
from rnnbook.plots import OKABE_ITO

#: Time steps of the explorer's sequences.
TIMESTEPS = 6
#: The explorer's input sequences: label -> name for :func:`input_sequence`.
SEQUENCES = {
    "one pulse at t = 0": "pulse",
    "a ramp from -1 to 1": "ramp",
    "alternating +1, -1": "alternating",
    "noise": "noise",
}
#: The explorer's layer sizes: label -> (input_dim, units).
SIZES = {"1 input, 2 units": (1, 2), "2 inputs, 3 units": (2, 3)}

_HIGHLIGHT = OKABE_ITO[5]   # vermillion: the step being computed
_INPUT = OKABE_ITO[4]       # blue: W and the inputs
_RECURRENT = OKABE_ITO[2]   # bluish green: U and the carried state


def unroll(x, kernel, recurrent_kernel, bias=None, initial_state=None):
    """Run the SimpleRNN loop in NumPy and keep every intermediate value.

    Parameters
    ----------
    x : array_like, ``(samples, timesteps, input_dim)``.
    kernel : ``(input_dim, units)``, Keras' ``kernel`` (W).
    recurrent_kernel : ``(units, units)``, Keras' ``recurrent_kernel`` (U).
    bias : ``(units,)``, Keras' ``bias`` (b), or None for a layer with ``use_bias=False``.
    initial_state : ``(samples, units)``, h_{-1}; zeros if None (Keras' default).

    Returns
    -------
    dict of arrays ``(samples, timesteps, units)``: ``h_prev`` (h_{t-1}), ``input_part``
    (x_t W), ``recurrent_part`` (h_{t-1} U), ``pre`` (their sum plus b) and ``h`` (h_t).
    Computed in float64.
    """
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    recurrent_kernel = np.asarray(recurrent_kernel, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"x must be 3-D (samples, timesteps, input_dim); got shape {x.shape}")
    samples, timesteps, input_dim = x.shape
    units = recurrent_kernel.shape[-1]
    if recurrent_kernel.shape != (units, units):
        raise ValueError(f"recurrent_kernel must be square (units, units); got shape "
                         f"{recurrent_kernel.shape}")
    if kernel.shape != (input_dim, units):
        raise ValueError(f"kernel must be (input_dim, units) = {(input_dim, units)} for x of "
                         f"shape {x.shape}; got shape {kernel.shape}")
    b = np.zeros(units) if bias is None else np.asarray(bias, dtype=np.float64)
    if b.shape != (units,):
        raise ValueError(f"bias must be (units,) = {(units,)}; got shape {b.shape}")
    h = np.zeros((samples, units)) if initial_state is None else \
        np.asarray(initial_state, dtype=np.float64)
    if h.shape != (samples, units):
        raise ValueError(f"initial_state must be (samples, units) = {(samples, units)}; got "
                         f"shape {h.shape}")
    record = {key: np.zeros((samples, timesteps, units))
              for key in ("h_prev", "input_part", "recurrent_part", "pre", "h")}
    for t in range(timesteps):
        record["h_prev"][:, t] = h
        record["input_part"][:, t] = x[:, t] @ kernel       # the same W at every step
        record["recurrent_part"][:, t] = h @ recurrent_kernel  # the same U at every step
        record["pre"][:, t] = record["input_part"][:, t] + record["recurrent_part"][:, t] + b
        h = np.tanh(record["pre"][:, t])
        record["h"][:, t] = h
    return record


def input_gradients(x, kernel, recurrent_kernel, bias=None, *, chunk=None):
    """Backpropagation through time: the gradient of the last state's sum with respect to
    every input step, d(sum of h_{T-1}) / d x_t.

    The forward pass is :func:`unroll`. The backward pass walks the chain from the last step
    to the first, through tanh (``1 - h_t**2``), into x_t through W and into h_{t-1}
    through U. With ``chunk=k`` the sequence is read in chunks of ``k`` steps whose states
    carry over (Keras' ``stateful=True``; the forward pass is unchanged), but the backward
    pass stops where the last chunk starts: truncated backpropagation through time, and the
    gradient is exactly zero for every step before that edge.

    Parameters
    ----------
    x : array_like, ``(samples, timesteps, input_dim)``.
    kernel, recurrent_kernel, bias : Keras' ``kernel (input_dim, units)``,
        ``recurrent_kernel (units, units)`` and ``bias (units,)`` (or None).
    chunk : int, optional, the chunk length in steps; None (default) back-propagates through
        the whole sequence.

    Returns
    -------
    ndarray ``(samples, timesteps, input_dim)``, float64.
    """
    run = unroll(x, kernel, recurrent_kernel, bias)
    h = run["h"]
    timesteps = h.shape[1]
    first = 0 if chunk is None else (timesteps - 1) // check_size("chunk", chunk) * chunk
    kernel = np.asarray(kernel, dtype=np.float64)
    recurrent_kernel = np.asarray(recurrent_kernel, dtype=np.float64)
    gradients = np.zeros(np.shape(x))
    grad_h = np.ones_like(h[:, -1])               # d(sum of h_{T-1}) / d h_{T-1}
    for t in range(timesteps - 1, first - 1, -1):
        grad_pre = grad_h * (1 - h[:, t] ** 2)    # back through tanh
        gradients[:, t] = grad_pre @ kernel.T     # x_t entered through W
        grad_h = grad_pre @ recurrent_kernel.T    # h_{t-1} entered through U
    return gradients


def multiply_adds(timesteps, input_dim, units):
    """Multiply-adds of one SimpleRNN pass over one sequence: ``timesteps * units *
    (input_dim + units)``.

    Each step multiplies ``x_t (input_dim,)`` by ``W (input_dim, units)`` and
    ``h_{t-1} (units,)`` by ``U (units, units)``; the bias additions and the tanh
    (``units`` each per step) are not counted.
    """
    timesteps = check_size("timesteps", timesteps)
    input_dim, units = check_size("input_dim", input_dim), check_size("units", units)
    return timesteps * units * (input_dim + units)


def input_sequence(name, timesteps=TIMESTEPS, input_dim=1):
    """One of the explorer's input sequences, shape ``(timesteps, input_dim)``.

    Input channel ``k`` is the named sequence delayed by ``k`` steps (zeros before it), so
    with two inputs the second one repeats the first one step later.
    """
    timesteps = check_size("timesteps", timesteps)
    input_dim = check_size("input_dim", input_dim)
    if name == "pulse":
        base = np.zeros(timesteps)
        base[0] = 1.0
    elif name == "ramp":
        base = np.linspace(-1.0, 1.0, timesteps)
    elif name == "alternating":
        base = np.where(np.arange(timesteps) % 2 == 0, 1.0, -1.0)
    elif name == "noise":
        base = np.round(np.random.default_rng(3).uniform(-1, 1, timesteps), 2)
    else:
        raise ValueError(f"unknown sequence {name!r}: expected one of "
                         f"{', '.join(repr(v) for v in SEQUENCES.values())}")
    x = np.zeros((timesteps, input_dim))
    for k in range(input_dim):
        x[k:, k] = base[:timesteps - k]
    return x


def example_weights(input_dim, units, seed=4):
    """The explorer's fixed weights for one size: ``kernel``, ``recurrent_kernel``, ``bias``.

    Random numbers rounded to one decimal (readable on the page), drawn from one seed;
    shapes ``(input_dim, units)``, ``(units, units)`` and ``(units,)``, Keras' layout.
    """
    input_dim, units = check_size("input_dim", input_dim), check_size("units", units)
    rng = np.random.default_rng(seed + 10 * input_dim + units)
    return {"kernel": np.round(rng.uniform(-1.2, 1.2, (input_dim, units)), 1),
            "recurrent_kernel": np.round(rng.uniform(-0.9, 0.9, (units, units)), 1),
            "bias": np.round(rng.uniform(-0.5, 0.5, units), 1)}


def step_numbers(t, sequence="pulse", sizes=(1, 2)):
    """The numbers of step ``t`` of the explorer's SimpleRNN on a named sequence.

    Parameters
    ----------
    t : int in ``[0, TIMESTEPS)``, the step to look at.
    sequence : a name from :data:`SEQUENCES`.
    sizes : ``(input_dim, units)``, one of :data:`SIZES`' values.

    Returns
    -------
    dict: ``x_t (input_dim,)``, ``h_prev``, ``input_part`` (x_t W), ``recurrent_part``
    (h_{t-1} U), ``bias``, ``pre``, ``h_t`` (each ``(units,)``), and for the whole run
    ``x (TIMESTEPS, input_dim)``, ``h (TIMESTEPS, units)`` and the ``weights``.
    """
    input_dim, units = sizes
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 0 <= t < TIMESTEPS:
        raise ValueError(f"t must be an integer step in [0, {TIMESTEPS - 1}]; got {t!r}")
    x = input_sequence(sequence, TIMESTEPS, input_dim)
    weights = example_weights(input_dim, units)
    run = unroll(x[None], weights["kernel"], weights["recurrent_kernel"], weights["bias"])
    at_t = {key: run[key][0, t] for key in ("h_prev", "input_part", "recurrent_part", "pre")}
    return {"x_t": x[t], **at_t, "bias": weights["bias"], "h_t": run["h"][0, t],
            "x": x, "h": run["h"][0], "weights": weights}


def _vector(values):
    return "[" + ", ".join(f"{v:.2f}" for v in values) + "]"


def unrolled_svg(timesteps, highlight, *, h=None, x=None, width=600):
    """The unrolled chain as SVG, step ``highlight`` marked; numbers shown where given.

    Parameters
    ----------
    timesteps : int, the number of cells drawn.
    highlight : int, the step drawn in the highlight colour; later steps are faded.
    h : ``(timesteps, units)``, optional: each computed h_t is written above its cell.
    x : ``(timesteps, input_dim)``, optional: each x_t is written below its cell.

    Returns
    -------
    str, an ``<svg>`` element with an accessible label.
    """
    units = 0 if h is None else h.shape[1]
    top = 14 + 12 * units
    step = (width - 70) / timesteps
    box_w, box_h, box_y = min(56, step - 24), 34, top + 30
    mid, below = box_y + box_h / 2, box_y + box_h
    height = below + (72 if x is not None else 58)
    arrow = ' marker-end="url(#rnnbook-arrow)"'
    parts = [
        # markerUnits: the arrow heads keep their size on thick (highlighted) lines
        '<defs><marker id="rnnbook-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" orient="auto">'
        '<path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>',
        f'<text x="22" y="{mid + 4:.0f}">h<tspan font-size="8" dy="3">-1</tspan>'
        '<tspan dy="-3">=0</tspan></text>',
    ]
    for t in range(timesteps):
        cx = 70 + step * t + step / 2
        left = cx - box_w / 2
        now, future = t == highlight, t > highlight
        color = _HIGHLIGHT if now else "currentColor"
        line = 3 if now else 1.5
        start = left - step + box_w if t else 44
        group = [
            '<g opacity="0.35">' if future else "<g>",
            # h_{t-1} -> this cell through U, x_t -> this cell through W: the same U and W
            f'<path d="M{start:.0f},{mid:.0f}H{left - 2:.0f}" stroke="{_RECURRENT}" '
            f'stroke-width="{line}"{arrow}/>',
            f'<text x="{(start + left) / 2:.0f}" y="{mid - 6:.0f}" fill="{_RECURRENT}" '
            'font-style="italic">U</text>',
            f'<path d="M{cx:.0f},{below + 34:.0f}V{below + 2:.0f}" stroke="{_INPUT}" '
            f'stroke-width="{line}"{arrow}/>',
            f'<text x="{cx + 9:.0f}" y="{below + 22:.0f}" fill="{_INPUT}" '
            'font-style="italic">W</text>',
            f'<text x="{cx:.0f}" y="{below + 48:.0f}">x<tspan font-size="8" dy="3">{t}'
            '</tspan></text>',
            f'<rect x="{left:.0f}" y="{box_y:.0f}" width="{box_w:.0f}" height="{box_h}" '
            f'rx="6" fill="{_HIGHLIGHT if now else "none"}" fill-opacity="0.15" '
            f'stroke="{color}" stroke-width="{line}"/>',
            f'<text x="{cx:.0f}" y="{mid + 4:.0f}">tanh</text>',
            f'<path d="M{cx:.0f},{box_y - 2:.0f}V{box_y - 16:.0f}" stroke="currentColor"'
            f'{arrow}/>',
            f'<text x="{cx + 10:.0f}" y="{box_y - 18:.0f}">h<tspan font-size="8" dy="3">{t}'
            '</tspan></text>',
        ]
        if x is not None:
            group.append(f'<text x="{cx:.0f}" y="{below + 62:.0f}" font-size="9">'
                         f'{escape(_vector(x[t]))}</text>')
        if h is not None and not future:
            group += [f'<text x="{cx:.0f}" y="{12 + 12 * unit}" font-size="9" '
                      f'fill="{color}">{value:+.2f}</text>' for unit, value in enumerate(h[t])]
        parts.append("".join(group) + "</g>")
    label = (f"A SimpleRNN unrolled over {timesteps} time steps: the same cell, with the same "
             f"input weights W and recurrent weights U, at every step; step {highlight} is "
             "highlighted and later steps are faded.")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" '
            f'width="100%" style="max-width:{width}px" role="img" '
            f'aria-label="{escape(label)}"><g font-size="11" fill="currentColor" '
            f'text-anchor="middle" stroke-linecap="round">{"".join(parts)}</g></svg>')


def step_view(t=0, sequence="pulse", sizes=(1, 2)):
    """The explorer's view: the unrolled chain with step ``t`` highlighted, and its numbers."""
    r = step_numbers(t, sequence, sizes)
    sub = f"<sub>{t}</sub>"
    prev = f"<sub>{t - 1}</sub>"
    rows = [
        (f"x{sub}", "input at this step", r["x_t"]),
        (f"h{prev}", "state carried from the step before" if t else "initial state (zeros)",
         r["h_prev"]),
        (f"x{sub} W", "input part (kernel)", r["input_part"]),
        (f"h{prev} U", "recurrent part (recurrent_kernel)", r["recurrent_part"]),
        ("b", "bias", r["bias"]),
        (f"x{sub} W + h{prev} U + b", "pre-activation", r["pre"]),
        (f"h{sub} = tanh(&middot;)", "new state, passed on to the next step", r["h_t"]),
    ]
    cells = "".join(
        f'<tr><td style="padding:0 8px">{symbol}</td>'
        f'<td style="padding:0 8px;font-family:monospace">{escape(_vector(values))}</td>'
        f'<td style="padding:0 8px"><small>{escape(words)}</small></td></tr>'
        for symbol, words, values in rows)
    chain = unrolled_svg(TIMESTEPS, t, h=r["h"], x=r["x"])
    return (f"{chain}<table style=\"border-collapse:collapse\">{cells}</table>"
            f"<p><small>The same W {r['weights']['kernel'].shape}, U "
            f"{r['weights']['recurrent_kernel'].shape} and b {r['bias'].shape} at every "
            "step.</small></p>")


def step_explorer():
    """The chapter's explorer: step through time and watch h_t computed from x_t and h_{t-1}."""
    return Explorer(step_view, [
        Slider("t", "time step t:", list(range(TIMESTEPS)), default=0, live_step=1),
        Choice("sequence", "input sequence:", dict(SEQUENCES)),
        Choice("sizes", "sizes:", dict(SIZES)),
    ], title="Step through time: one SimpleRNN cell, the same weights at every step")


# ---- the matplotlib figure -----------------------------------------------------------------

def _arrow(ax, start, end, color, label=None, label_at=None, **kw):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=11,
                                 color=color, linewidth=1.5, **kw))
    if label:
        ax.text(*label_at, label, color=color, fontsize=10, ha="center", va="center",
                style="italic")


def _cell(ax, center, text="tanh", color="black", size=(0.9, 0.6)):
    w, h = size
    ax.add_patch(FancyBboxPatch((center[0] - w / 2, center[1] - h / 2), w, h,
                                boxstyle="round,pad=0.02,rounding_size=0.12", linewidth=1.8,
                                edgecolor=color, facecolor="white"))
    ax.text(*center, text, ha="center", va="center", fontsize=10)


def draw_rolled_and_unrolled(timesteps=4):
    """The rolled SimpleRNN cell beside its unrolled chain over ``timesteps`` steps.

    Every unrolled step is labelled with its input x_t, its state h_t and the shared
    weights W (``kernel``) and U (``recurrent_kernel``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    timesteps = check_size("timesteps", timesteps)
    if timesteps > 12:
        raise ValueError(f"timesteps must be at most 12 to stay legible; got {timesteps}")
    spacing = 1.6
    width = 4.0 + spacing * timesteps
    # about 0.6 inch per unit of the drawing, so the labels stay readable on the page
    scale = min(0.62, 11 / width)
    fig, ax = plt.subplots(figsize=(scale * width, scale * 3.1 + 0.2), layout="constrained")
    ax.set_xlim(-0.2, width)
    ax.set_ylim(-1.7, 1.4)
    ax.set_aspect("equal")
    ax.axis("off")

    # rolled: one cell, its output fed back to itself through U
    _cell(ax, (0.9, 0))
    _arrow(ax, (0.9, -1.05), (0.9, -0.32), _INPUT, "W", (1.1, -0.7))
    ax.text(0.9, -1.25, "$x_t$", ha="center", va="center")
    _arrow(ax, (0.9, 0.32), (0.9, 1.0), "black")
    ax.text(0.9, 1.2, "$h_t$", ha="center", va="center")
    _arrow(ax, (1.36, 0.16), (1.36, -0.16), _RECURRENT, "U", (1.8, 0.22),
           connectionstyle="arc3,rad=-2.8")
    ax.text(0.9, -1.7, "rolled", ha="center", va="bottom", fontsize=9, color="0.35")
    ax.text(2.35, 0, "=", ha="center", va="center", fontsize=18)

    # unrolled: the same cell once per step, h_{t-1} -> cell -> h_t
    first = 4.1
    ax.text(first - 0.95, 0, "$h_{-1}=0$", ha="center", va="center", fontsize=9)
    for t in range(timesteps):
        cx = first + 0.5 + spacing * t
        _cell(ax, (cx, 0))
        _arrow(ax, (cx, -1.05), (cx, -0.32), _INPUT, "W", (cx + 0.2, -0.7))
        ax.text(cx, -1.25, f"$x_{{{t}}}$", ha="center", va="center")
        _arrow(ax, (cx, 0.32), (cx, 1.0), "black")
        ax.text(cx, 1.2, f"$h_{{{t}}}$", ha="center", va="center")
        start = first - 0.4 if t == 0 else cx - spacing + 0.47
        _arrow(ax, (start, 0), (cx - 0.47, 0), _RECURRENT, "U",
               ((start + cx - 0.47) / 2, 0.17))
    ax.text(first + 0.5 + spacing * (timesteps - 1) / 2, -1.7,
            f"unrolled over {timesteps} time steps: one cell, the same W, U and b at every step",
            ha="center", va="bottom", fontsize=9, color="0.35")
    return fig



def plot_answer_against_inputs(answer, inputs, *, ylabel="answer (logit)", title=None):
    """Scatter a model's answer for each sequence against one of its input steps, one panel
    per step: a step the answer depends on shows a pattern, any other step a shapeless cloud.

    Parameters
    ----------
    answer : ``(samples,)``, e.g. the logit of a many-to-one model.
    inputs : dict of panel label -> ``(samples,)`` input values, e.g. ``{"x_0": x[:, 0, 0]}``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    answer = np.asarray(answer, dtype=np.float64)
    if answer.ndim != 1 or not inputs:
        raise ValueError(f"answer must be (samples,) and inputs a non-empty dict; got answer of "
                         f"shape {answer.shape} and {len(inputs)} input(s)")
    fig, axes = plt.subplots(1, len(inputs), figsize=(3.2 * len(inputs), 2.8), sharey=True,
                             squeeze=False, layout="constrained")
    for ax, (label, values) in zip(axes[0], inputs.items(), strict=True):
        values = np.asarray(values, dtype=np.float64)
        if values.shape != answer.shape:
            raise ValueError(f"inputs[{label!r}] must be (samples,) = {answer.shape}; got shape "
                             f"{values.shape}")
        ax.scatter(values, answer, s=6, alpha=0.5, color=_INPUT, marker="o", linewidths=0)
        ax.axhline(0, color="0.3", linewidth=0.8, linestyle=":")
        ax.axvline(0, color="0.3", linewidth=0.8, linestyle=":")
        ax.set_xlabel(label)
    axes[0, 0].set_ylabel(ylabel)
    if title:
        fig.suptitle(title)
    return fig
