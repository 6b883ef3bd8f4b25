"""The mbr.toml key reference cannot drift: the keys declared in profile_keys are exactly the keys
parse_profile accepts, table by table, each with a one-line meaning, and docs/profile-keys.md is the
text rendered from them."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from mbr_ledger.profile import ProfileError, parse_profile
from mbr_ledger.profile_keys import REGENERATE, TABLES, declared, missing_meanings, render

from conftest import ROOT

UNKNOWN = "zz_not_a_key"

# A profile with one table of each kind, every required key set: a key added to one of them is
# what parse_profile is probed with.
MINIMAL: dict[str, Any] = {
    "person": [{"id": "alex", "born": "1980-01-01"}],
    "plan": [{"id": "acme", "person": "alex", "employer": "Acme"}],
    "ira": [{"id": "alex-trad", "person": "alex", "type": "traditional"}],
    "audit": {},
    "mapping": [{"name": "m", "columns": {"date": "Date", "amount": "Amount", "kind": "Kind"},
                 "rules": [{"column": "Kind", "match": "x", "kind": "contribution"}], "signs": {}}],
}


def _table_of(doc: dict[str, Any], path: str) -> dict[str, Any]:
    """The table at `path` in `doc` (the first of a list of tables)."""
    node: Any = doc
    for part in path.split(".") if path else []:
        node = node[part]
        if isinstance(node, list):
            node = node[0]
    return node  # type: ignore[no-any-return]


def accepted(path: str) -> set[str]:
    """The keys parse_profile accepts in the table at `path`, read from its refusal of an unknown key."""
    doc = copy.deepcopy(MINIMAL)
    _table_of(doc, path)[UNKNOWN] = "1"
    with pytest.raises(ProfileError) as err:
        parse_profile(doc)
    m = re.search(r"unknown key \(allowed (?:here|at the top): ([^)]*)\)", str(err.value))
    assert m, str(err.value)
    assert UNKNOWN in str(err.value)
    return {k.strip() for k in m.group(1).split(",")}


def test_the_minimal_profile_parses() -> None:
    parse_profile(copy.deepcopy(MINIMAL))


@pytest.mark.parametrize("path", [t.path for t in TABLES])
def test_declared_keys_are_the_accepted_keys(path: str) -> None:
    got, want = accepted(path), declared()[path]
    assert got == want, (
        f"mbr.toml table {path or 'top level'!r}: keys accepted but not declared in mbr_ledger/profile_keys.py: "
        f"{sorted(got - want)}; declared but not accepted: {sorted(want - got)}. Declare each key with its "
        f"type, default and a one-line meaning, then run: {REGENERATE}")


def test_every_table_parse_profile_checks_is_declared() -> None:
    """A new table (a `[[mapping.x]]`) has to be declared too: each table's accepted keys that are
    tables themselves are declared tables."""
    paths = {t.path for t in TABLES}
    nested = {"": {"person", "plan", "ira", "audit", "mapping"}, "mapping": {"columns", "rules", "signs"}}
    for parent, names in nested.items():
        for name in names:
            assert (f"{parent}.{name}" if parent else name) in paths


def test_every_key_has_a_meaning() -> None:
    assert missing_meanings() == [], (
        f"keys without a meaning in mbr_ledger/profile_keys.py: {missing_meanings()}; give each a one-line "
        f"meaning, then run: {REGENERATE}")


def test_required_keys_are_required() -> None:
    """A key declared required is refused when missing; the minimal profile holds exactly those."""
    for t in TABLES:
        for k in t.keys:
            if not k.required or not t.path:
                continue
            doc = copy.deepcopy(MINIMAL)
            table = _table_of(doc, t.path)
            if t.path == "mapping.columns" and k.name == "kind":
                continue  # required unless a rule sets the kind: the minimal mapping has one
            assert k.name in table, (t.path, k.name)
            del table[k.name]
            with pytest.raises(ProfileError, match=rf"\.{k.name}: required key is missing"):
                parse_profile(doc)


def test_the_document_is_the_rendered_reference() -> None:
    doc = (ROOT / "docs" / "profile-keys.md").read_text(encoding="utf-8")
    assert doc == render(), f"docs/profile-keys.md is out of date; run: {REGENERATE}"
