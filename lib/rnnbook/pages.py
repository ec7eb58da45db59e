"""What a page needs to show its own computations in its prose: glue."""

from numbers import Integral, Real

#: The MIME prefix under which myst-nb finds glued values in a notebook's outputs.
GLUE_PREFIX = "application/papermill.record/"


def glue(name, value, display=False):
    """Store ``value`` for the page's prose, where ``{glue:text}`name``` shows it.

    The same record as ``myst_nb.glue`` writes, without needing myst-nb in the kernel (a
    chapter opened in a hosted notebook service runs without it). Only strings and integers
    are glued: a float's full ``repr`` is rounding noise below its last few digits, and the
    stored text is what nbval compares on the reader's machine. Format it first, at the
    precision the sentence states: ``glue("ratio", f"{ratio:.2f}")``.
    """
    from IPython.core.formatters import format_display_data
    from IPython.display import display as show

    if isinstance(value, bool) or not isinstance(value, (str, Integral)):
        kind = "a float" if isinstance(value, Real) else type(value).__name__
        raise TypeError(f"glue {name!r}: expected a str or an int, got {kind} ({value!r}); "
                        "format it at the precision the page states, e.g. f'{x:.3f}'")
    bundle, metadata = format_display_data(value if isinstance(value, str) else int(value))
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    show({prefix + mime: data for mime, data in bundle.items()}, raw=True, metadata=metadata)
