"""Interactive explorers that work live in Jupyter and without a kernel on the website.

An explorer is a pure function ``view(**settings) -> HTML`` (each chapter's computation
lives in a tested library function; the view only draws its result) and a list of
controls. Displaying it gives one output with two representations:

- ``application/vnd.jupyter.widget-view+json``: ipywidgets controls calling ``view`` live,
  over the full range of every control. Jupyter shows this one when a kernel is running.
- ``text/html``: the same controls as plain HTML, the views for a grid of settings computed
  once by the same ``view`` function (stored compressed), and a short script that shows the
  view matching the controls. The website shows this one (``nb_mime_priority_overrides`` in
  ``_config.yml``), so the explorer responds with no kernel and no network, and, where a
  slider reaches further in Jupyter, says which settings the page holds.

A control with three positions or fewer is shown as buttons, not as a slider.

There is one implementation of the logic (Python); the browser only looks views up.
"""

import base64
import hashlib
import itertools
import json
import zlib
from dataclasses import dataclass, field
from html import escape

#: Marks an explorer's static HTML; the browser tests and notebook checks look for it.
EXPLORER_ATTRIBUTE = "data-rnnbook-explorer"
#: A control offering this many positions or fewer is a choice (buttons), not a slider.
MAX_BUTTONS = 3


@dataclass
class Slider:
    """A numeric control: the static site offers ``values``; Jupyter the range
    ``[min(values), max(values)]`` in steps of ``live_step``. With three values or fewer
    the website shows it as a choice of buttons, not as a slider."""

    name: str
    label: str
    values: list
    default: float
    live_step: float | None = None

    def __post_init__(self):
        if self.default not in self.values:
            raise ValueError(f"default {self.default!r} of {self.name!r} must be one of "
                             f"its values {self.values!r}")

    @property
    def live_values(self):
        """The positions Jupyter's slider offers (``None``: too many to list)."""
        low, high = min(self.values), max(self.values)
        if all(isinstance(v, int) for v in self.values) and float(self.live_step or 1) >= 1:
            return list(range(low, high + 1, int(self.live_step or 1)))
        step = self.live_step or (high - low) / 100
        count = round((high - low) / step) + 1
        return [low + i * step for i in range(count)] if count <= 1000 else None

    @property
    def has_more_live(self):
        """True when Jupyter's slider offers settings the static grid lacks."""
        live = self.live_values
        return live is None or len(live) > len(self.values)


@dataclass
class Choice:
    """A control choosing one of ``options``, a dict of label -> value (buttons for three
    options or fewer, a drop-down list for more)."""

    name: str
    label: str
    options: dict
    default: object = None
    values: list = field(init=False)

    def __post_init__(self):
        self.values = list(self.options.values())
        if self.default is None:
            self.default = self.values[0]
        if self.default not in self.values:
            raise ValueError(f"default {self.default!r} of {self.name!r} must be one of "
                             f"{self.values!r}")


class Explorer:
    """Controls plus a ``view(**settings) -> HTML`` function; see the module docstring.

    Parameters
    ----------
    view : callable returning an HTML string (an SVG chart and a line of numbers, say).
    controls : list of :class:`Slider` and :class:`Choice`.
    title : shown above the controls.
    max_views : the largest static grid allowed; keeps each page light.
    """

    def __init__(self, view, controls, *, title, max_views=200):
        self.view = view
        self.controls = list(controls)
        self.title = title
        sizes = [len(c.values) for c in self.controls]
        self.grid_size = 1
        for size in sizes:
            self.grid_size *= size
        if self.grid_size > max_views:
            raise ValueError(f"the static grid would hold {self.grid_size} views, more than "
                             f"max_views={max_views}: offer fewer values per control")

    @property
    def defaults(self):
        return {c.name: c.default for c in self.controls}

    # ---- the static view ----------------------------------------------------------------

    def static_views(self):
        """Every setting of the static grid and its view: ``(keys, views, index)``.

        ``index`` maps a key such as ``"0|3|1"`` (one value index per control) to a position
        in ``views``; identical views are stored once.
        """
        views, index, seen = [], {}, {}
        for combination in itertools.product(*(range(len(c.values)) for c in self.controls)):
            settings = {c.name: c.values[i] for c, i in zip(self.controls, combination,
                                                              strict=True)}
            html = self.view(**settings)
            if html not in seen:
                seen[html] = len(views)
                views.append(html)
            index["|".join(map(str, combination))] = seen[html]
        return views, index

    def static_html(self):
        """The self-contained HTML (controls, precomputed views, script) for the website.

        The views travel compressed (raw deflate, base64; the browser's own
        ``DecompressionStream`` unpacks them), so a grid of hundreds of views weighs tens of
        kilobytes; the default view is written out, so the page shows it with no script.
        """
        views, index = self.static_views()
        defaults = [c.values.index(c.default) for c in self.controls]
        packed = zlib.compressobj(9, zlib.DEFLATED, -15)
        views_json = json.dumps(views, separators=(",", ":")).encode()
        data = {"z": base64.b64encode(packed.compress(views_json) + packed.flush()).decode(),
                "index": index,
                "labels": [[_value_label(c, v) for v in c.values] for c in self.controls]}
        ident = "rnnbook-" + hashlib.sha1((self.title + views_json.decode()).encode()
                                          ).hexdigest()[:10]
        controls_html = "".join(_control_html(c, i, d, ident) for i, (c, d) in
                                enumerate(zip(self.controls, defaults, strict=True)))
        first = views[index["|".join(map(str, defaults))]]
        note = self.note()
        note_html = (f'<p class="rnnbook-explorer-note"><small>{escape(note)}</small></p>'
                     if note else "")
        payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        return (
            f'<div class="rnnbook-explorer" {EXPLORER_ATTRIBUTE}="1" id="{ident}">'
            f'<p class="rnnbook-explorer-title"><strong>{escape(self.title)}</strong></p>'
            f'<form class="rnnbook-explorer-controls" onsubmit="return false">'
            f'{controls_html}</form>'
            f'<div class="rnnbook-explorer-view" aria-live="polite">{first}</div>'
            f"{note_html}"
            f'<script type="application/json" class="rnnbook-explorer-data">{payload}</script>'
            f"<script>{_SCRIPT}</script></div>"
        )

    def note(self):
        """What the website offers against Jupyter, for the sliders whose Jupyter range is
        larger than their stored values; ``""`` when the page holds every setting."""
        wider = [c for c in self.controls if isinstance(c, Slider) and c.has_more_live]
        if not wider:
            return ""
        here = "; ".join(f"{_plain(c.label)} {_listing(c)}" for c in wider)
        live = "; ".join(f"{_plain(c.label)} {_value_label(c, min(c.values))} to "
                         f"{_value_label(c, max(c.values))}" for c in wider)
        return (f"This page holds {self.grid_size} precomputed settings ({here}). "
                f"Run the chapter in Jupyter to set any value in between ({live}).")

    # ---- the live view ------------------------------------------------------------------

    def widget(self):
        """An ipywidgets box: the same controls over their full range, calling ``view`` live."""
        import ipywidgets as widgets

        inputs = {c.name: _live_control(widgets, c) for c in self.controls}
        return live_box(widgets, self.title, inputs, self.view)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return mimebundle(f"{self.title} (an interactive explorer)", self.static_html,
                          self.widget)


def live_box(widgets, title, inputs, view, order=None):
    """An ipywidgets ``VBox``: the title, the ``inputs`` (``{name: widget}``, shown in
    ``order``, by default as given) and an HTML output that shows ``view(**values)`` and
    follows every change."""
    output = widgets.HTML(view(**{name: w.value for name, w in inputs.items()}))

    def update(_change=None):
        output.value = view(**{name: w.value for name, w in inputs.items()})

    for control in inputs.values():
        control.observe(update, names="value")
    return widgets.VBox([widgets.HTML(f"<strong>{escape(title)}</strong>"),
                         *(inputs[name] for name in (order or inputs)), output])


def mimebundle(text, static_html, widget):
    """What Jupyter shows for an interactive figure: the static page (``static_html()``)
    and, where a kernel can talk to it, the live ``widget()``; ``text`` as plain text."""
    bundle = {"text/plain": text, "text/html": static_html()}
    try:
        bundle.update(widget()._repr_mimebundle_())
        bundle["text/plain"] = text
    except Exception:  # no kernel to talk to (e.g. a plain Python session)
        pass
    return bundle


_SUBSCRIPT = str.maketrans("0123456789+-=()aehijklmnoprstuvx",
                           "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")


def unicode_math(text):
    """Plain-text formulas for labels and summaries: ``c_{t-1}`` -> cₜ₋₁, ``c~_t`` -> c̃ₜ,
    `` * `` -> `` ⊙ `` (the element-wise product). Raises if a subscript has no Unicode form.

    >>> unicode_math("c_t = f_t * c_{t-1} + i_t * c~_t")
    'cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ c̃ₜ'
    """
    import re

    def sub(match):
        inner = match.group(1) or match.group(2)
        missing = [ch for ch in inner if ord(ch) not in _SUBSCRIPT]
        if missing:
            raise ValueError(f"no Unicode subscript for {''.join(missing)!r} in {text!r}")
        return inner.translate(_SUBSCRIPT)

    text = re.sub(r"(\w)~", "\\1\u0303", text)
    text = re.sub(r"_(?:\{([^}]*)\}|([0-9A-Za-z]))", sub, text)
    return text.replace(" * ", " ⊙ ")


def _value_label(control, value):
    if isinstance(control, Choice):
        return next(label for label, v in control.options.items() if v == value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _plain(label):
    return label.rstrip(" :")


def _listing(control):
    labels = [_value_label(control, v) for v in control.values]
    return " or ".join(labels) if len(labels) <= 2 else ", ".join(labels[:-1]) + " or " \
        + labels[-1]


def _is_buttons(control):
    return len(control.values) <= MAX_BUTTONS


def _control_html(control, position, default, ident):
    """One control: buttons (a radio group) for three positions or fewer, else a drop-down
    list (a :class:`Choice`) or a slider with its two ends written beside it."""
    labels = [_value_label(control, v) for v in control.values]
    if _is_buttons(control):
        name = f"{ident}-{position}"
        buttons = "".join(
            f'<label><input type="radio" name="{name}" value="{i}"'
            f'{" checked" if i == default else ""}>{escape(label)}</label>'
            for i, label in enumerate(labels))
        return (f'<fieldset class="rnnbook-explorer-control" data-control="{position}">'
                f"<legend>{escape(control.label)}</legend>"
                f'<span class="rnnbook-choice">{buttons}</span></fieldset>')
    if isinstance(control, Choice):
        options = "".join(f'<option value="{i}"{" selected" if i == default else ""}>'
                          f"{escape(label)}</option>" for i, label in enumerate(labels))
        return (f'<label class="rnnbook-explorer-control" style="display:block">'
                f'{escape(control.label)} <select data-control="{position}">{options}</select>'
                "</label>")
    shown = escape(labels[default])
    return (f'<label class="rnnbook-explorer-control" style="display:block">'
            f"{escape(control.label)} "
            f'<strong class="rnnbook-explorer-value" data-value="{position}" '
            f'aria-hidden="true">{shown}</strong> '
            f'<span class="rnnbook-range-end" aria-hidden="true">{escape(labels[0])}</span> '
            f'<input type="range" data-control="{position}" min="0" max="{len(labels) - 1}" '
            f'step="1" value="{default}" aria-valuetext="{shown}"> '
            f'<span class="rnnbook-range-end" aria-hidden="true">{escape(labels[-1])}</span>'
            "</label>")


def _live_control(widgets, control):
    """Jupyter's control: buttons for three positions or fewer, else a drop-down list or a
    slider over the whole range."""
    style = {"description_width": "initial"}
    layout = widgets.Layout(width="480px")
    if isinstance(control, Choice):
        if _is_buttons(control):
            return widgets.ToggleButtons(options=list(control.options.items()),
                                         value=control.default, description=control.label,
                                         style=style)
        return widgets.Dropdown(options=list(control.options.items()), value=control.default,
                                description=control.label, style=style, layout=layout)
    live = control.live_values
    if live is not None and len(live) <= MAX_BUTTONS:
        return widgets.ToggleButtons(options=[(_value_label(control, v), v) for v in live],
                                     value=control.default, description=control.label,
                                     style=style)
    low, high = min(control.values), max(control.values)
    if all(isinstance(v, int) for v in control.values):
        return widgets.IntSlider(value=control.default, min=low, max=high,
                                 step=control.live_step or 1, description=control.label,
                                 style=style, layout=layout)
    step = control.live_step or (high - low) / 100
    return widgets.FloatSlider(value=control.default, min=low, max=high, step=step,
                               description=control.label, style=style, layout=layout)


# The browser side: find this explorer's controls, unpack the stored views once, and on
# every change show the view stored for the current combination. It computes nothing.
_SCRIPT = """(function(){var root=document.currentScript.parentElement;
var data=JSON.parse(root.querySelector('.rnnbook-explorer-data').textContent);
var view=root.querySelector('.rnnbook-explorer-view');var views=null;
var controls=Array.prototype.slice.call(root.querySelectorAll('[data-control]'));
function value(c){if(c.tagName==='FIELDSET'){var r=c.querySelector('input:checked');
return r?r.value:'0';}return c.value;}
function update(){var key=controls.map(value).join('|');
controls.forEach(function(c){if(c.type==='range'){var t=data.labels[+c.dataset.control][+c.value];
c.setAttribute('aria-valuetext',t);root.querySelector('[data-value="'+c.dataset.control+'"]').textContent=t;}});
if(views){view.innerHTML=views[data.index[key]];}}
controls.forEach(function(c){c.addEventListener('input',update);c.addEventListener('change',update);});
var bytes=Uint8Array.from(atob(data.z),function(ch){return ch.charCodeAt(0);});
new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')))
.text().then(function(text){views=JSON.parse(text);root.dataset.ready='1';update();});
})();"""
