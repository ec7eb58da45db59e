"""Interactive explorers that work live in Jupyter and without a kernel on the website.

An explorer is a pure function ``view(**settings) -> HTML`` (each chapter's computation
lives in a tested library function; the view only draws its result) and a list of
controls. Displaying it gives one output with two representations:

- ``application/vnd.jupyter.widget-view+json``: ipywidgets controls calling ``view`` live,
  over the full range of every control. Jupyter shows this one when a kernel is running.
- ``text/html``: the same controls as plain HTML, the views for a grid of settings computed
  once by the same ``view`` function, and a short script that shows the view matching the
  controls. The website shows this one (``nb_mime_priority_overrides`` in ``_config.yml``),
  so the explorer responds with no kernel and no network, and says which settings it holds.

There is one implementation of the logic (Python); the browser only looks views up.
"""

import itertools
import json
from dataclasses import dataclass, field
from html import escape

#: Marks an explorer's static HTML; the browser tests and notebook checks look for it.
EXPLORER_ATTRIBUTE = "data-rnnbook-explorer"


@dataclass
class Slider:
    """A numeric control: the static site offers ``values``; Jupyter the range
    ``[min(values), max(values)]`` in steps of ``live_step``."""

    name: str
    label: str
    values: list
    default: float
    live_step: float | None = None

    def __post_init__(self):
        if self.default not in self.values:
            raise ValueError(f"default {self.default!r} of {self.name!r} must be one of "
                             f"its values {self.values!r}")


@dataclass
class Choice:
    """A control choosing one of ``options``, a dict of label -> value."""

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
        """The self-contained HTML (controls, precomputed views, script) for the website."""
        views, index = self.static_views()
        defaults = [c.values.index(c.default) for c in self.controls]
        data = {"views": views, "index": index, "labels": [
            [_value_label(c, v) for v in c.values] for c in self.controls]}
        controls_html = "".join(_control_html(c, i, d) for i, (c, d) in
                                enumerate(zip(self.controls, defaults, strict=True)))
        first = views[index["|".join(map(str, defaults))]]
        note = (f"On this page the explorer holds {self.grid_size} precomputed settings; "
                "run the chapter in Jupyter to move the sliders over their full range.")
        payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        return (
            f'<div class="rnnbook-explorer" {EXPLORER_ATTRIBUTE}="1">'
            f'<p class="rnnbook-explorer-title"><strong>{escape(self.title)}</strong></p>'
            f'<form class="rnnbook-explorer-controls" onsubmit="return false">'
            f'{controls_html}</form>'
            f'<div class="rnnbook-explorer-view" aria-live="polite">{first}</div>'
            f'<p class="rnnbook-explorer-note"><small>{escape(note)}</small></p>'
            f'<script type="application/json" class="rnnbook-explorer-data">{payload}</script>'
            f"<script>{_SCRIPT}</script></div>"
        )

    # ---- the live view ------------------------------------------------------------------

    def widget(self):
        """An ipywidgets box: the same controls over their full range, calling ``view`` live."""
        import ipywidgets as widgets

        inputs = {c.name: _live_control(widgets, c) for c in self.controls}
        output = widgets.HTML(self.view(**self.defaults))

        def update(_change=None):
            output.value = self.view(**{name: w.value for name, w in inputs.items()})

        for control in inputs.values():
            control.observe(update, names="value")
        return widgets.VBox([widgets.HTML(f"<strong>{escape(self.title)}</strong>"),
                             *inputs.values(), output])

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": f"{self.title} (an interactive explorer)",
                  "text/html": self.static_html()}
        try:
            bundle.update(self.widget()._repr_mimebundle_())
            bundle["text/plain"] = f"{self.title} (an interactive explorer)"
        except Exception:  # no kernel to talk to (e.g. a plain Python session)
            pass
        return bundle


def _value_label(control, value):
    if isinstance(control, Choice):
        return next(label for label, v in control.options.items() if v == value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _control_html(control, position, default):
    ident = f'data-control="{position}"'
    if isinstance(control, Choice):
        options = "".join(f'<option value="{i}"{" selected" if i == default else ""}>'
                          f"{escape(label)}</option>"
                          for i, label in enumerate(control.options))
        return (f'<label class="rnnbook-explorer-control" style="display:block">'
                f"{escape(control.label)} <select {ident}>{options}</select></label> ")
    shown = escape(_value_label(control, control.values[default]))
    last = len(control.values) - 1
    return (f'<label class="rnnbook-explorer-control" style="display:block">'
            f'{escape(control.label)} <input type="range" {ident} min="0" max="{last}" '
            f'step="1" value="{default}" aria-valuetext="{shown}"> <output>{shown}</output>'
            "</label> ")


def _live_control(widgets, control):
    style = {"description_width": "initial"}
    layout = widgets.Layout(width="480px")
    if isinstance(control, Choice):
        return widgets.Dropdown(options=list(control.options.items()), value=control.default,
                                description=control.label, style=style, layout=layout)
    low, high = min(control.values), max(control.values)
    if all(isinstance(v, int) for v in control.values):
        return widgets.IntSlider(value=control.default, min=low, max=high,
                                 step=control.live_step or 1, description=control.label,
                                 style=style, layout=layout)
    step = control.live_step or (high - low) / 100
    return widgets.FloatSlider(value=control.default, min=low, max=high, step=step,
                               description=control.label, style=style, layout=layout)


# The browser side: find this explorer's controls, and on every change show the view stored
# for the current combination. It computes nothing.
_SCRIPT = """(function(){var root=document.currentScript.parentElement;
var data=JSON.parse(root.querySelector('.rnnbook-explorer-data').textContent);
var view=root.querySelector('.rnnbook-explorer-view');
var controls=Array.prototype.slice.call(root.querySelectorAll('[data-control]'));
function update(){var key=controls.map(function(c){return c.value;}).join('|');
controls.forEach(function(c){if(c.type==='range'){var t=data.labels[+c.dataset.control][+c.value];
c.setAttribute('aria-valuetext',t);c.nextElementSibling.textContent=t;}});
view.innerHTML=data.views[data.index[key]];}
controls.forEach(function(c){c.addEventListener('input',update);c.addEventListener('change',update);});
})();"""
