"""references.bib parses, and every key is unique (merges of appended entries can break both)."""

import re
from pathlib import Path

import pybtex.database

BIB = Path(__file__).resolve().parent.parent / "references.bib"


def test_references_parse_and_keys_are_unique():
    keys = re.findall(r"^@\w+\{([^,\s]+),", BIB.read_text(), re.M)
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    assert set(pybtex.database.parse_file(str(BIB)).entries) == set(keys)
