"""The explorer mechanism and the one-unit cells behind the explorers."""

import base64
import itertools
import json
import re
import zlib

import keras
import numpy as np
import pytest
from conftest import ATOL

from rnnbook import one_unit
from rnnbook.backend import to_numpy
from rnnbook.explorer import Choice, Explorer, Slider
from rnnbook.verify import compare


def toy_explorer(**kwargs):
    def view(a=1, b="x"):
        return f"<p>{a}-{b}</p>" if a < 3 else "<p>big</p>"
    return Explorer(view, [Slider("a", "a:", [1, 2, 3, 4], default=2, live_step=1),
                           Choice("b", "b:", {"ex": "x", "why": "y"})], title="toy", **kwargs)


def test_static_grid_holds_the_view_of_every_setting():
    explorer = toy_explorer()
    views, index = explorer.static_views()
    assert len(index) == explorer.grid_size == 8
    assert len(views) == 5  # the four "big" settings share one stored view
    for i, j in itertools.product(range(4), range(2)):
        a, b = [1, 2, 3, 4][i], ["x", "y"][j]
        assert views[index[f"{i}|{j}"]] == explorer.view(a=a, b=b)


def stored(html):
    """The data an explorer's page carries, with its views unpacked."""
    data = json.loads(re.search(r'class="rnnbook-explorer-data">(.*?)</script>', html).group(1))
    data["views"] = json.loads(zlib.decompress(base64.b64decode(data.pop("z")), -15))
    return data


def test_static_html_is_self_contained():
    explorer = toy_explorer()
    html = explorer.static_html()
    assert 'data-rnnbook-explorer="1"' in html and "<script>" in html
    assert "http" not in html.replace("http://www.w3.org/2000/svg", "")
    data = stored(html)
    assert data["labels"] == [["1", "2", "3", "4"], ["ex", "why"]]
    assert (data["views"], data["index"]) == explorer.static_views()
    assert '<p>2-x</p>' in html.split("rnnbook-explorer-view")[1][:40]  # the default view
    assert "<p>big</p>" not in html  # the other views travel compressed


def test_controls_with_three_positions_or_fewer_are_buttons():
    html = toy_explorer().static_html()
    assert html.count('type="range"') == 1           # a: four values
    assert html.count('type="radio"') == 2 and "<select" not in html  # b: two options
    assert '<span class="rnnbook-range-end" aria-hidden="true">1</span>' in html
    assert '<span class="rnnbook-range-end" aria-hidden="true">4</span>' in html
    many = Explorer(lambda c="a": c, [Choice("c", "c:", dict.fromkeys("abcd", "a") | {
        "b": "b", "c": "c", "d": "d"})], title="t").static_html()
    assert "<select" in many and 'type="radio"' not in many
    box = Explorer(lambda n=1: str(n), [Slider("n", "n:", [1, 2], 1)], title="t").widget()
    assert type(box.children[1]).__name__ == "ToggleButtons"   # 1 or 2, also in Jupyter


def test_the_note_only_where_a_slider_reaches_further_in_jupyter():
    assert toy_explorer().note() == ""  # a: every integer from 1 to 4 is stored
    wide = Explorer(lambda v=0.0: str(v), [Slider("v", "v:", [0.0, 1.0], 0.0, live_step=0.1)],
                    title="t")
    assert wide.note() == ("This page holds 2 precomputed settings (v 0 or 1). Run the "
                           "chapter in Jupyter to set any value in between (v 0 to 1).")
    assert "rnnbook-explorer-note" in wide.static_html()
    assert "rnnbook-explorer-note" not in toy_explorer().static_html()


def test_formulas_for_labels_in_plain_unicode():
    from rnnbook.explorer import unicode_math

    assert unicode_math("c_t = f_t * c_{t-1} + i_t * c~_t") == "cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ c̃ₜ"
    with pytest.raises(ValueError, match="no Unicode subscript for 'T'"):
        unicode_math("h_{T-1}")


def test_script_end_tags_in_views_cannot_break_out():
    explorer = Explorer(lambda a=0: "</script><b>x</b>", [Slider("a", "a", [0, 1], 0)],
                        title="t")
    html = explorer.static_html()
    payload = re.search(r'class="rnnbook-explorer-data">(.*?)</script>', html).group(1)
    assert "</" not in payload
    assert stored(html)["views"] == ["</script><b>x</b>"]


def test_live_widget_recomputes_over_the_full_range():
    box = toy_explorer().widget()
    slider, choice, output = box.children[1], box.children[2], box.children[3]
    assert (slider.min, slider.max, slider.step) == (1, 4, 1)
    assert output.value == "<p>2-x</p>"
    choice.value = "y"
    assert output.value == "<p>2-y</p>"
    slider.value = 4
    assert output.value == "<p>big</p>"


def test_float_slider_range_and_mimebundle():
    explorer = Explorer(lambda v=0.0: f"{v:.2f}", [Slider("v", "v", [-1.0, 0.0, 1.0], 0.0,
                                                            live_step=0.05)], title="t")
    slider = explorer.widget().children[1]
    assert (slider.min, slider.max, slider.step) == (-1.0, 1.0, 0.05)
    bundle = explorer._repr_mimebundle_()
    assert {"text/plain", "text/html"} <= set(bundle)


def test_grid_and_default_limits():
    with pytest.raises(ValueError, match="would hold 8 views, more than max_views=4"):
        toy_explorer(max_views=4)
    with pytest.raises(ValueError, match="default 5 of 'a' must be one of"):
        Slider("a", "a", [1, 2], default=5)
    with pytest.raises(ValueError, match="default 'z' of 'b' must be one of"):
        Choice("b", "b", {"x": "x"}, default="z")


# ---- the one-unit LSTM -----------------------------------------------------------------------

SETTINGS = list(itertools.product(one_unit.SEQUENCES.values(), [-2, -1, 0, 1, 2, 3, 4],
                                  [-2, 0, 2]))


@pytest.mark.parametrize("sequence,forget_bias,input_bias", SETTINGS)
def test_one_unit_lstm_is_what_keras_computes(sequence, forget_bias, input_bias):
    result = one_unit.one_unit_lstm(sequence, forget_bias, input_bias)
    lstm = keras.layers.LSTM(1, return_sequences=True, return_state=True)
    lstm.build((None, one_unit.TIMESTEPS, 1))
    weights = result["weights"]
    lstm.set_weights([weights["kernel"], weights["recurrent_kernel"], weights["bias"]])
    h, _, c_last = lstm(result["x"].reshape(1, -1, 1).astype("float32"))
    assert compare(result["h"], to_numpy(h)[0, :, 0]).ok
    assert compare(result["c"][-1], to_numpy(c_last)[0, 0]).ok
    # the forget gate is set by its bias alone
    np.testing.assert_allclose(result["f"], 1 / (1 + np.exp(-forget_bias)), atol=ATOL)
    for gate in "ifo":
        assert ((result[gate] >= 0) & (result[gate] <= 1)).all()


def test_one_unit_lstm_remembers_with_a_large_forget_bias():
    keep = one_unit.one_unit_lstm("pulse", forget_bias=4.0)["c"]
    forget = one_unit.one_unit_lstm("pulse", forget_bias=-2.0)["c"]
    assert keep[-1] > 0.5 > 0.01 > forget[-1]


def test_lstm_view_states_the_forget_gate_value():
    html = one_unit.lstm_view("pulse", 1.0, 0.0)
    assert "<svg" in html and "= 0.73 at every step" in html and "half-life 2.2 steps" in html


def test_lstm_explorer_grid():
    explorer = one_unit.lstm_explorer()
    assert explorer.grid_size == len(SETTINGS)
    assert explorer.view(**explorer.defaults) == one_unit.lstm_view()


def test_unknown_sequence():
    with pytest.raises(ValueError, match="unknown sequence 'saw': expected one of 'pulse'"):
        one_unit.input_sequence("saw")


def test_lstm_view_draws_no_state_in_a_gate_colour():
    html = one_unit.lstm_view("pulse", 1.0, 0.0)
    strokes = re.findall(r'<polyline points="[^"]*" fill="none" stroke="([^"]+)"', html)
    gates, states = strokes[:3], strokes[3:]
    assert len(gates) == len(states) == 3
    assert not set(gates) & set(states), (gates, states)
