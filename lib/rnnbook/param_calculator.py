"""The parameter calculator: a stack of recurrent layers -> per-gate table and total.

:func:`calculate` counts from the weight shapes (:mod:`rnnbook.params`); :func:`keras_count`
builds the same layers in Keras and asks them; :func:`calculator_view` shows both, and
:func:`calculator_explorer` puts the view behind controls.
"""

from dataclasses import dataclass
from functools import lru_cache
from html import escape

from rnnbook import params
from rnnbook.explorer import Choice, Explorer, Slider

#: The explorer's cell choices: Keras class and ``reset_after`` (which only a GRU reads).
CELLS = {"SimpleRNN": ("SimpleRNN", True), "LSTM": ("LSTM", True),
         "GRU (reset_after=True, Keras 3 default)": ("GRU", True),
         "GRU (reset_after=False, Keras 2 / seed article)": ("GRU", False)}


@dataclass(frozen=True)
class Calculation:
    """What the calculator computes for a stack of identical recurrent layers.

    ``gates`` holds the first layer's per-gate counts for one direction, a dict per gate
    with keys ``gate``, ``kernel``, ``recurrent_kernel``, ``bias``, ``recurrent_bias``,
    ``total``; ``layers`` holds ``(input_dim, formula, count)`` per layer.
    """

    kind: str
    units: int
    input_dim: int
    use_bias: bool
    reset_after: bool
    bidirectional: bool
    gates: list
    layers: list
    total: int
    bytes_float32: int
    multiply_adds: int


def stack_specs(kind, units, *, layers=1, use_bias=True, reset_after=True,
                bidirectional=False):
    """``layers`` identical recurrent layers as :class:`rnnbook.params.LayerSpec`; all but
    the last return sequences, so each feeds the next."""
    count = params.check_size("layers", layers)
    return [params.LayerSpec(kind, units, use_bias=use_bias, reset_after=reset_after,
                             bidirectional=bidirectional, return_sequences=i < count - 1)
            for i in range(count)]


def calculate(kind, units, input_dim, *, use_bias=True, reset_after=True, bidirectional=False,
              layers=1):
    """Count a stack of ``layers`` recurrent layers of ``units`` on ``input_dim`` features.

    Layer 1 reads ``input_dim`` features; every later layer reads the one before it:
    ``units`` features, or ``2 * units`` when bidirectional (concatenated directions).

    Returns
    -------
    Calculation
    """
    kind = params.normalize_kind(kind)
    units, input_dim = params.check_size("units", units), params.check_size("input_dim",
                                                                              input_dim)
    reset_after = reset_after if kind == "GRU" else True
    specs = stack_specs(kind, units, layers=layers, use_bias=use_bias, reset_after=reset_after,
                        bidirectional=bidirectional)
    rows = params.summarize((None, input_dim), specs)
    widths = [input_dim] + [row.output_shape[-1] for row in rows[:-1]]
    gates = {}
    for row in params.breakdown(kind, units, input_dim, use_bias=use_bias,
                                reset_after=reset_after):
        entry = gates.setdefault(row.gate, {"gate": row.gate, "kernel": 0, "recurrent_kernel": 0,
                                            "bias": 0, "recurrent_bias": 0, "total": 0})
        entry[row.weight.replace(" ", "_")] += row.count
        entry["total"] += row.count
    total = sum(row.count for row in rows)
    compute = sum(params.multiply_adds(kind, units, m, bidirectional=bidirectional)
                  for m in widths)
    return Calculation(kind, units, input_dim, use_bias, reset_after, bidirectional,
                       list(gates.values()), [(m, row.formula, row.count)
                                              for m, row in zip(widths, rows, strict=True)],
                       total, params.weight_bytes(total), compute)


def keras_layers(kind, units, input_dim, *, use_bias=True, reset_after=True,
                 bidirectional=False, layers=1):
    """The same stack built as Keras layers (each built on its input), as a list."""
    import keras

    built, width = [], input_dim
    for spec in stack_specs(kind, units, layers=layers, use_bias=use_bias,
                            reset_after=reset_after, bidirectional=bidirectional):
        options = {"use_bias": spec.use_bias, "return_sequences": spec.return_sequences}
        if spec.kind == "GRU":
            options["reset_after"] = spec.reset_after
        layer = getattr(keras.layers, spec.kind)(units, **options)
        if bidirectional:
            layer = keras.layers.Bidirectional(layer)
        layer.build((None, None, width))
        built.append(layer)
        width = 2 * units if bidirectional else units
    return built


@lru_cache(maxsize=512)
def keras_count(kind, units, input_dim, *, use_bias=True, reset_after=True,
                bidirectional=False, layers=1):
    """Keras' own total: the sum of ``count_params()`` over :func:`keras_layers`."""
    return sum(layer.count_params() for layer in keras_layers(
        kind, units, input_dim, use_bias=use_bias, reset_after=reset_after,
        bidirectional=bidirectional, layers=layers))


def keras_model(input_shape, layers):
    """A Keras ``Sequential`` model built from a list of :class:`~rnnbook.params.LayerSpec`
    on inputs of shape ``input_shape`` (no batch axis), for checking :func:`params.summarize`."""
    import keras

    model = keras.Sequential([keras.Input(input_shape)])
    for spec in layers:
        if spec.kind == "Embedding":
            layer = keras.layers.Embedding(spec.vocabulary, spec.units)
        elif spec.kind in params.GATES:
            options = {"use_bias": spec.use_bias, "return_sequences": spec.return_sequences}
            if spec.kind == "GRU":
                options["reset_after"] = spec.reset_after
            layer = getattr(keras.layers, spec.kind)(spec.units, **options)
            if spec.bidirectional:
                layer = keras.layers.Bidirectional(layer, merge_mode=spec.merge_mode)
        elif spec.kind == "Dense":
            layer = keras.layers.Dense(spec.units, use_bias=spec.use_bias)
        elif spec.kind == "TimeDistributed(Dense)":
            layer = keras.layers.TimeDistributed(keras.layers.Dense(spec.units,
                                                                    use_bias=spec.use_bias))
        elif spec.kind == "Dropout":
            layer = keras.layers.Dropout(0.5)
        else:
            layer = keras.layers.Activation("sigmoid")
        model.add(layer)
    return model


def _table(header, rows, caption):
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return (f'<table class="rnnbook-params"><caption>{escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def calculator_html(calc, keras_total=None):
    """HTML for a :class:`Calculation`: the per-gate table, the per-layer table, the total
    (and Keras' total with the verdict, when given)."""
    n, m = calc.units, calc.input_dim
    two_biases = calc.kind == "GRU" and calc.reset_after and calc.use_bias
    header = ["gate", f"kernel {m}×{n}", f"recurrent_kernel {n}×{n}"]
    if calc.use_bias:
        header += ["input bias" if two_biases else "bias"]
    if two_biases:
        header += ["recurrent bias"]
    header += ["sum"]
    rows = []
    for g in calc.gates:
        row = [escape(g["gate"]), f"{g['kernel']:,}", f"{g['recurrent_kernel']:,}"]
        row += [f"{g['bias']:,}"] if calc.use_bias else []
        row += [f"{g['recurrent_bias']:,}"] if two_biases else []
        rows.append(row + [f"{g['total']:,}"])
    one_direction = sum(g["total"] for g in calc.gates)
    rows.append(["<strong>layer 1, one direction</strong>"] + [""] * (len(header) - 2)
                + [f"<strong>{one_direction:,}</strong>"])
    direction = " (forward; the backward copy has the same)" if calc.bidirectional else ""
    gate_table = _table(header, rows, f"Layer 1, {calc.kind}({n}) on input_dim {m}, per gate in "
                                      f"Keras' order{direction}")
    layer_rows = [[str(i), str(width), escape(text), f"{count:,}"]
                  for i, (width, text, count) in enumerate(calc.layers, start=1)]
    layer_table = _table(["layer", "reads input_dim", "formula", "parameters"], layer_rows,
                         "The stack, layer by layer")
    text = (f"<p><strong>Total: {calc.total:,} parameters</strong> = {calc.bytes_float32:,} "
            f"bytes in float32; {calc.multiply_adds:,} multiply-adds per time step per sample.")
    if keras_total is not None:
        text += (f" Keras' count_params(): {keras_total:,}; "
                 f"equal: {keras_total == calc.total}.")
    if calc.kind != "GRU":
        text += " (reset_after only changes a GRU.)"
    return gate_table + layer_table + text + "</p>"


def calculator_view(cell="LSTM", units=32, input_dim=256, use_bias=True, bidirectional=False,
                    layers=1):
    """The explorer's view: :func:`calculate` and :func:`keras_count` for one setting, as HTML.
    ``cell`` is a key of :data:`CELLS` or its value's class name."""
    kind, reset_after = CELLS.get(cell, (cell, True))
    settings = {"use_bias": bool(use_bias), "reset_after": reset_after,
                "bidirectional": bool(bidirectional), "layers": layers}
    calc = calculate(kind, units, input_dim, **settings)
    return calculator_html(calc, keras_count(calc.kind, calc.units, calc.input_dim, **settings))


def calculator_explorer():
    """The chapter's explorer: cell type, units, input_dim, bias, direction, stack depth."""
    return Explorer(calculator_view, [
        Choice("cell", "cell:", {label: label for label in CELLS}, default="LSTM"),
        Slider("units", "units n:", [32, 64], default=32),
        Slider("input_dim", "input_dim m:", [1, 256], default=256),
        Choice("use_bias", "use_bias:", {"True": True, "False": False}),
        Choice("bidirectional", "Bidirectional (concat):", {"no": False, "yes": True}),
        Slider("layers", "stacked layers:", [1, 2], default=1),
    ], title="Parameter calculator: count a recurrent layer, check it against Keras")
