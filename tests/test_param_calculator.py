"""The parameter calculator behind the chapter's explorer, against Keras."""

import itertools

import pytest

from rnnbook import param_calculator as pc
from rnnbook import params

GRID = list(itertools.product(["SimpleRNN", "LSTM", "GRU"], [1, 7], [True, False],
                              [True, False], [False, True], [1, 3]))


@pytest.mark.parametrize("kind,input_dim,use_bias,reset_after,bidirectional,layers", GRID)
def test_total_equals_keras(kind, input_dim, use_bias, reset_after, bidirectional, layers):
    options = {"use_bias": use_bias, "reset_after": reset_after, "bidirectional": bidirectional,
               "layers": layers}
    calc = pc.calculate(kind, 3, input_dim, **options)
    assert calc.total == pc.keras_count(kind, 3, input_dim, **options)
    assert calc.bytes_float32 == 4 * calc.total


def test_stacking_feeds_n_of_one_layer_as_m_of_the_next():
    calc = pc.calculate("LSTM", 64, 100, layers=3)
    assert [m for m, _, _ in calc.layers] == [100, 64, 64]
    assert [c for _, _, c in calc.layers] == [params.count_params("LSTM", 64, m)
                                              for m in (100, 64, 64)]
    both = pc.calculate("LSTM", 64, 100, layers=3, bidirectional=True)
    assert [m for m, _, _ in both.layers] == [100, 128, 128]


@pytest.mark.parametrize("kind,reset_after,columns", [("LSTM", True, 4), ("GRU", True, 3),
                                                      ("GRU", False, 3), ("SimpleRNN", True, 1)])
def test_gate_table_sums_to_one_direction_of_layer_one(kind, reset_after, columns):
    calc = pc.calculate(kind, 5, 2, reset_after=reset_after, bidirectional=True, layers=2)
    assert len(calc.gates) == columns
    assert 2 * sum(g["total"] for g in calc.gates) == calc.layers[0][2]
    for g in calc.gates:
        assert g["kernel"] == 10 and g["recurrent_kernel"] == 25 and g["bias"] == 5
        assert g["recurrent_bias"] == (5 if kind == "GRU" and reset_after else 0)


def test_multiply_adds_of_the_stack():
    calc = pc.calculate("GRU", 32, 256, layers=2)
    assert calc.multiply_adds == 3 * 32 * (256 + 32) + 3 * 32 * (32 + 32)


def test_view_reports_keras_agreement_and_gate_columns():
    html = pc.calculator_view("GRU (reset_after=True, Keras 3 default)", 32, 256, True, False, 2)
    assert "Total: 34,176 parameters" in html and "equal: True" in html
    assert "recurrent bias" in html
    old = pc.calculator_view("GRU (reset_after=False, Keras 2 / seed article)", 32, 256, True,
                             False, 2)
    assert "Total: 33,984 parameters" in old and "recurrent bias" not in old
    assert "bias" not in pc.calculator_view("LSTM", 32, 1, False, False, 1).split("<p>")[0]


def test_the_calculator_takes_any_layer_and_stays_light():
    """The website's calculator counts in the page's script (tests/site/test_explorers.py
    drives it against Keras); here: what it offers, and that Jupyter's copy asks Keras."""
    calculator = pc.calculator_explorer()
    html = calculator.static_html()
    assert 'data-rnnbook-explorer="1"' in html and len(html) < 20_000
    for name, (_, default, top) in pc.NUMBERS.items():
        assert f'name="{name}" min="1" max="{top}" step="1" value="{default}"' in html
    assert html.count('type="radio"') == 4 and 'type="range"' not in html
    box = calculator.widget()
    units, output = box.children[2], box.children[-1]
    units.value = 17
    assert f"Total: {pc.keras_count('LSTM', 17, 256):,} parameters" in output.value
    assert "equal: True" in output.value
    assert {"text/plain", "text/html"} <= set(calculator._repr_mimebundle_())


def test_errors():
    with pytest.raises(ValueError, match="unknown kind 'Dense'"):
        pc.calculate("Dense", 3, 4)
    with pytest.raises(ValueError, match="layers must be a positive integer; got 0"):
        pc.calculate("LSTM", 3, 4, layers=0)
    with pytest.raises(TypeError, match="units must be a positive integer"):
        pc.calculator_view("LSTM", 2.5, 4)
