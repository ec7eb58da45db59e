"""The parameter calculator: a stack of recurrent layers -> per-gate table and total.

:func:`calculate` counts from the weight shapes (:mod:`rnnbook.params`); :func:`keras_count`
builds the same layers in Keras and asks them; :func:`calculator_view` shows both, and
:func:`calculator_explorer` puts the view behind controls. On the website the calculator
takes any layer the reader types in: the page's script counts it with the same formula,
k·n·(m + n + b) per direction and layer, and writes the same tables as
:func:`calculator_html` (the browser tests check both against Keras' ``count_params()``).
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from rnnbook import params
from rnnbook.explorer import EXPLORER_ATTRIBUTE, live_box, mimebundle

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


#: The calculator's number inputs: name -> (label, default, largest value accepted).
NUMBERS = {"units": ("units n:", 32, 100_000), "input_dim": ("input_dim m:", 256, 10_000_000),
           "layers": ("stacked layers:", 1, 50)}
TITLE = "Parameter calculator: count any recurrent layer, or a stack of them"


class Calculator:
    """The chapter's calculator: Jupyter's widgets call :func:`calculator_view` (with Keras'
    own count); the website's copy counts in the page's script from the formula."""

    title = TITLE
    defaults = {"cell": "LSTM", "units": 32, "input_dim": 256, "use_bias": True,
                "bidirectional": False, "layers": 1}

    def static_html(self):
        """Self-contained HTML: the inputs, the default count, and the script that counts."""
        first = calculator_html(calculate(CELLS[self.defaults["cell"]][0], self.defaults["units"],
                                          self.defaults["input_dim"], layers=1))
        data = {"cells": CELLS, "gates": {kind: [[g, (params.GATE_NAMES_GRU if kind == "GRU"
                                                      else params.GATE_NAMES)[g]]
                                                 for g in gates]
                                          for kind, gates in params.GATES.items()},
                "max": {name: spec[2] for name, spec in NUMBERS.items()}}
        cells = "".join(f'<option value="{escape(label)}"'
                        f'{" selected" if label == self.defaults["cell"] else ""}>'
                        f"{escape(label)}</option>" for label in CELLS)
        numbers = {name: (f'<label class="rnnbook-explorer-control" style="display:block">'
                          f'{escape(label)} <input type="number" data-control="{name}" '
                          f'name="{name}" min="1" max="{top}" step="1" value="{default}" '
                          f'inputmode="numeric" size="8"></label>')
                   for name, (label, default, top) in NUMBERS.items()}
        controls = (
            f'<label class="rnnbook-explorer-control" style="display:block">cell: '
            f'<select data-control="cell" name="cell">{cells}</select></label>'
            + numbers["units"] + numbers["input_dim"]
            + _buttons("use_bias", "use_bias:", [("True", True), ("False", False)])
            + _buttons("bidirectional", "Bidirectional (concat):", [("no", False), ("yes", True)])
            + numbers["layers"])
        note = ("Counted in your browser from the formula: k·n·(m + n + b) for each layer and "
                "direction, k gates, b bias rows. The book's tests check it against Keras' "
                "count_params() over many stacks; run the chapter in Jupyter to have Keras "
                "count yours.")
        payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        return (f'<div class="rnnbook-explorer rnnbook-calculator" {EXPLORER_ATTRIBUTE}="1">'
                f'<p class="rnnbook-explorer-title"><strong>{escape(self.title)}</strong></p>'
                f'<form class="rnnbook-explorer-controls" onsubmit="return false">{controls}'
                f'</form><div class="rnnbook-explorer-view" aria-live="polite">{first}</div>'
                f'<p class="rnnbook-explorer-note"><small>{escape(note)}</small></p>'
                f'<script type="application/json" class="rnnbook-calculator-data">{payload}'
                f"</script><script>{_SCRIPT}</script></div>")

    def widget(self):
        """ipywidgets: the same inputs, each change counted by Python and by Keras."""
        import ipywidgets as widgets

        style = {"description_width": "initial"}
        inputs = {
            "cell": widgets.Dropdown(options=list(CELLS), value=self.defaults["cell"],
                                     description="cell:", style=style),
            **{name: widgets.BoundedIntText(value=default, min=1, max=top, description=label,
                                            style=style)
               for name, (label, default, top) in NUMBERS.items()},
            "use_bias": widgets.ToggleButtons(options=[("True", True), ("False", False)],
                                              value=True, description="use_bias:", style=style),
            "bidirectional": widgets.ToggleButtons(options=[("no", False), ("yes", True)],
                                                   value=False, style=style,
                                                   description="Bidirectional (concat):"),
        }
        order = ["cell", "units", "input_dim", "use_bias", "bidirectional", "layers"]
        return live_box(widgets, self.title, inputs, calculator_view, order)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return mimebundle(f"{self.title} (an interactive calculator)", self.static_html,
                          self.widget)


def _buttons(name, label, options):
    buttons = "".join(f'<label><input type="radio" name="rnnbook-calc-{name}" '
                      f'value="{json.dumps(value)}"{" checked" if i == 0 else ""}>'
                      f"{escape(text)}</label>" for i, (text, value) in enumerate(options))
    return (f'<fieldset class="rnnbook-explorer-control" data-control="{name}">'
            f'<legend>{escape(label)}</legend><span class="rnnbook-choice">{buttons}</span>'
            "</fieldset>")


def calculator_explorer():
    """The chapter's calculator (:class:`Calculator`): cell type, units, input_dim, bias,
    direction and stack depth, any values the reader enters."""
    return Calculator()


# The browser side: the count of params.count_params and calculate(), and the tables of
# calculator_html(), for whatever the reader enters. tests/site checks both against Python.
_SCRIPT = r"""(function(){var root=document.currentScript.parentElement;
var data=JSON.parse(root.querySelector('.rnnbook-calculator-data').textContent);
var view=root.querySelector('.rnnbook-explorer-view');var form=root.querySelector('form');
function esc(s){return String(s).replace(/&/g,'&amp;').replace(/</g,'&lt;').replace(/>/g,'&gt;')
.replace(/"/g,'&quot;').replace(/'/g,'&#x27;');}
function num(x){return String(x).replace(/\B(?=(\d{3})+(?!\d))/g,',');}
function table(header,rows,caption){return '<table class="rnnbook-params"><caption>'+esc(caption)+
'</caption><thead><tr>'+header.map(function(h){return '<th scope="col">'+esc(h)+'</th>';}).join('')+
'</tr></thead><tbody>'+rows.map(function(r){return '<tr>'+r.map(function(c){
return '<td>'+c+'</td>';}).join('')+'</tr>';}).join('')+'</tbody></table>';}
function count(s){var cell=data.cells[s.cell],kind=cell[0],gates=data.gates[kind],k=gates.length;
var resetAfter=kind==='GRU'?cell[1]:true,n=s.units,two=kind==='GRU'&&resetAfter&&s.use_bias;
var rowsB=s.use_bias?(two?2:1):0,layers=[],m=s.input_dim,total=0,madds=0;
for(var i=0;i<s.layers;i++){var one=k*n*(m+n+rowsB),c=(s.bidirectional?2:1)*one;
var text=(k>1?k+'·':'')+n+'·('+m+' + '+n+(rowsB?' + '+rowsB:'')+')';
layers.push([m,s.bidirectional?'2 × '+text:text,c]);total+=c;
madds+=(s.bidirectional?2:1)*k*n*(m+n);m=s.bidirectional?2*n:n;}
return {kind:kind,gates:gates,two:two,layers:layers,total:total,madds:madds};}
function render(s){var r=count(s),n=s.units,m=s.input_dim;
var header=['gate','kernel '+m+'×'+n,'recurrent_kernel '+n+'×'+n];
if(s.use_bias){header.push(r.two?'input bias':'bias');}if(r.two){header.push('recurrent bias');}
header.push('sum');var rows=[],one=0;
r.gates.forEach(function(g){var t=m*n+n*n+(s.use_bias?n:0)+(r.two?n:0);one+=t;
var row=[esc(g[0]+' ('+g[1]+')'),num(m*n),num(n*n)];if(s.use_bias){row.push(num(n));}
if(r.two){row.push(num(n));}row.push(num(t));rows.push(row);});
var last=['<strong>layer 1, one direction</strong>'];
for(var i=0;i<header.length-2;i++){last.push('');}last.push('<strong>'+num(one)+'</strong>');
rows.push(last);var direction=s.bidirectional?' (forward; the backward copy has the same)':'';
var html=table(header,rows,'Layer 1, '+r.kind+'('+n+') on input_dim '+m+
", per gate in Keras' order"+direction);
html+=table(['layer','reads input_dim','formula','parameters'],r.layers.map(function(l,i){
return [String(i+1),String(l[0]),esc(l[1]),num(l[2])];}),'The stack, layer by layer');
html+='<p><strong>Total: '+num(r.total)+' parameters</strong> = '+num(4*r.total)+
' bytes in float32; '+num(r.madds)+' multiply-adds per time step per sample.';
if(r.kind!=='GRU'){html+=' (reset_after only changes a GRU.)';}
root.dataset.total=String(r.total);return html+'</p>';}
function settings(){var s={cell:form.elements.cell.value},bad=[];
['units','input_dim','layers'].forEach(function(name){var text=form.elements[name].value.trim();
var v=Number(text);if(!/^\d+$/.test(text)||v<1||v>data.max[name]){
bad.push(name+' must be a whole number from 1 to '+num(data.max[name])+(text?'; got '+text:''));}
s[name]=v;});
['use_bias','bidirectional'].forEach(function(name){
s[name]=JSON.parse(root.querySelector('[data-control="'+name+'"] input:checked').value);});
return bad.length?{bad:bad}:s;}
function update(){var s=settings();if(s.bad){root.dataset.total='';
view.innerHTML='<p>'+s.bad.map(esc).join('; ')+'.</p>';return;}view.innerHTML=render(s);}
root.rnnbookRender=render;
form.addEventListener('input',update);form.addEventListener('change',update);update();
})();"""
