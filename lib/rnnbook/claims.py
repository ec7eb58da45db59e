"""The claims ledger: every claim the book makes about a source, its verdict, its proof.

A claim is something a seed article, a paper, or a library's documentation says (or that
the book says about a library's behaviour). Each is registered once, in a TOML file of
``rnnbook/ledger/`` (one per source family), with the source's words, the book's verdict
and where that verdict is demonstrated: a notebook cell (which calls :func:`demonstrate`
and sits right under the label ``(claim-<id>)=``) or a unit test (which calls it too).
``tests/test_claims_ledger.py`` fails when a claim has no demonstration, or when a stored
demonstration reached another verdict than the ledger states; :func:`demonstrate` itself
raises when they disagree, so a re-run that contradicts the ledger stops.

The pages that discuss claims render their tables from here (:func:`table`), so the words
and verdicts on the page are the ledger's.
"""

import re
import tomllib
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources

#: The verdict words, and what each means.
VERDICTS = {
    "holds": "true as stated, and shown to be",
    "wrong": "false as stated, and shown to be",
    "partly": "true only in part, or only under a condition the source does not state",
    "outdated": "true of an earlier release (Keras 2), not of the one the book uses",
    "unverifiable": "not checked: the source's text or the means to test it is not available here",
}


class ClaimContradicted(AssertionError):
    """A demonstration reached another verdict than the ledger states."""


@dataclass(frozen=True)
class Claim:
    """One registered claim. ``demonstrated_by`` is ``"chapters/NN_x.ipynb"`` (the cell under
    the label ``claim-<id>``) or ``"tests/test_x.py::test_name"``; empty only when the
    verdict is ``"unverifiable"``, and then ``why`` says what could not be checked."""

    id: str
    source: str            # a key of references.bib
    where: str             # where in the source it says so
    says: str              # the source's words (a quotation) or a close paraphrase, marked so
    verdict: str           # one of VERDICTS
    finding: str           # the book's finding, in one sentence, without typed-in numbers
    demonstrated_by: str = ""
    why: str = ""          # for "unverifiable": what could not be read or run here
    file: str = ""         # the ledger file it came from

    @property
    def label(self):
        """The page label of the demonstrating cell."""
        return f"claim-{self.id}"


def _read(name, text):
    known = {f.name for f in fields(Claim)}
    claims = []
    for entry in tomllib.loads(text).get("claim", []):
        unknown = set(entry) - known
        if unknown:
            raise ValueError(f"ledger/{name}: claim {entry.get('id')!r} has unknown fields "
                             f"{sorted(unknown)}; expected some of {sorted(known - {'file'})}")
        claims.append(Claim(**entry, file=name))
    return claims


@cache
def ledger():
    """Every registered claim, by id, from all ledger files."""
    found = {}
    for path in sorted(resources.files("rnnbook").joinpath("ledger").iterdir(),
                       key=lambda p: p.name):
        if not path.name.endswith(".toml"):
            continue
        for claim in _read(path.name, path.read_text(encoding="utf-8")):
            if claim.id in found:
                raise ValueError(f"claim {claim.id!r} is registered twice "
                                 f"({found[claim.id].file} and {path.name})")
            if claim.verdict not in VERDICTS:
                raise ValueError(f"claim {claim.id!r}: verdict {claim.verdict!r}, expected "
                                 f"one of {', '.join(VERDICTS)}")
            found[claim.id] = claim
    return found


def claim(claim_id):
    """The registered claim ``claim_id``."""
    try:
        return ledger()[claim_id]
    except KeyError:
        raise KeyError(f"no claim {claim_id!r} in the ledger (rnnbook/ledger/*.toml)") from None


def holds_if(condition):
    """``"holds"`` if ``condition`` is true, else ``"wrong"``."""
    return "holds" if bool(condition) else "wrong"


def demonstrate(claim_id, verdict):
    """Print the verdict this cell (or test) reached for ``claim_id``; raise if the ledger
    states another. ``verdict`` is computed: ``holds_if(...)``, or a word of VERDICTS."""
    registered = claim(claim_id)
    if verdict not in VERDICTS:
        raise ValueError(f"verdict {verdict!r}, expected one of {', '.join(VERDICTS)}")
    line = f"claim {claim_id}: {verdict}"
    if verdict != registered.verdict:
        raise ClaimContradicted(f"{line}, but the ledger ({registered.file}) says "
                                f"{registered.verdict!r}: mend the ledger or the page")
    print(line)
    return verdict


def select(ids=None, source=None, verdicts=None):
    """Claims by id (in that order), or by source and verdict (in ledger order)."""
    if ids is not None:
        return [claim(i) for i in ids]
    return [c for c in ledger().values()
            if (source is None or c.source == source or c.source in source)
            and (verdicts is None or c.verdict in verdicts)]


def _where_shown(c):
    if c.demonstrated_by.endswith(".ipynb"):
        return f"{{ref}}`shown here <{c.label}>`"
    if c.demonstrated_by:
        # the test and its file (all in tests/) as two code spans, so that a narrow table
        # column can break between them
        file, _, test = c.demonstrated_by.partition("::")
        name = file.rsplit("/", 1)[-1]
        return f"`{test}` in `{name}`" if test else f"`{file}`"
    return f"not checked: {c.why}"


#: Code spans, roles' targets, inline math, links and addresses: text the table leaves alone.
_LITERAL = re.compile(r"(`[^`]*`|\$[^$]*\$|\[[^\]]*\]\([^)]*\)|https?://\S+)")
#: A slash or a dot between letters (``keras/src/layers``, ``keras.layers.LSTM``).
_JOINT = re.compile(r"(?<=[A-Za-z])([/.])(?=[A-Za-z])")


def _cell(text, breakable=False):
    """One table cell: on one line, with ``|`` escaped. With ``breakable``, a zero-width break
    opportunity follows each slash or dot inside a long name of the plain text, so that a file
    path in a narrow column wraps instead of widening the table."""
    text = " ".join(str(text).split()).replace("|", "\\|")
    if not breakable:
        return text
    parts = _LITERAL.split(text)
    parts[::2] = [_JOINT.sub("\\1\u200b", part) for part in parts[::2]]
    return "".join(parts)


def table(ids=None, source=None, verdicts=None, cite=True, breakable=False):
    """A MyST Markdown table of claims: source, what it says, verdict, finding, proof.

    Show it with ``IPython.display.Markdown``; the site renders it as MyST (``{cite}`` and
    ``{ref}`` resolve, and a broken reference fails the warnings-as-errors build). With
    ``breakable``, long file paths and dotted names may wrap (see :func:`_cell`), which keeps
    a five-column table within the text column.
    """
    rows = ["| source | says | verdict | the book's finding | demonstrated |",
            "| --- | --- | --- | --- | --- |"]
    for c in select(ids, source, verdicts):
        who = f"{{cite:t}}`{c.source}`, {c.where}" if cite else c.where
        cells = (_cell(who, breakable), _cell(c.says, breakable), f"**{c.verdict}**",
                 _cell(c.finding, breakable), _where_shown(c))
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def show(ids=None, source=None, verdicts=None, cite=True, breakable=False):
    """Display :func:`table` in a notebook."""
    from IPython.display import Markdown, display

    display(Markdown(table(ids, source, verdicts, cite, breakable)))
