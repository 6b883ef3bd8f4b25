"""The household return: `spouse` links two persons of the book; with `filing_status = "mfj"` on both,
their Form 1040 lines are one joint return. Every mistake in the link names its key path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mbr_ledger.core.errors import ProfileError
from mbr_ledger.profile import joint_filers, parse_profile

COUPLE: dict[str, Any] = {
    "person": [
        {"id": "alex", "born": "1975-03-10", "filing_status": "mfj", "spouse": "sam"},
        {"id": "sam", "born": "1977-08-01", "filing_status": "mfj", "spouse": "alex"},
        {"id": "kim", "born": "1990-01-01", "filing_status": "single"},
    ],
}


def doc(**changes: dict[str, Any]) -> dict[str, Any]:
    """COUPLE with person[i] keys changed (None removes the key)."""
    out = copy.deepcopy(COUPLE)
    for idx, kv in changes.items():
        person = out["person"][int(idx[1:])]
        for k, v in kv.items():
            if v is None:
                person.pop(k, None)
            else:
                person[k] = v
    return out


def test_spouses_filing_jointly_are_one_return() -> None:
    prof = parse_profile(COUPLE)
    assert prof.person("alex").spouse == "sam" and prof.person("sam").spouse == "alex"
    assert joint_filers(prof, "alex") == ["alex", "sam"]
    assert joint_filers(prof, "sam") == ["alex", "sam"]  # book order, whichever spouse is asked for
    assert joint_filers(prof, "kim") == ["kim"]


def test_spouses_filing_separately_are_two_returns() -> None:
    prof = parse_profile(doc(p0={"filing_status": "mfs"}, p1={"filing_status": "mfs"}))
    assert joint_filers(prof, "alex") == ["alex"] and joint_filers(prof, "sam") == ["sam"]


@pytest.mark.parametrize("changes,message", [
    ({"p0": {"spouse": "jo"}}, r"mbr.toml: person\[0\].spouse: unknown person 'jo' \(persons: alex, kim, sam\)"),
    ({"p0": {"spouse": "alex"}}, r"mbr.toml: person\[0\].spouse: 'alex' names itself"),
    ({"p1": {"spouse": None}}, r"mbr.toml: person\[1\].spouse: 'alex' names 'sam' as spouse, so 'sam' must name "
                               r"'alex': add spouse = 'alex' to person\[1\]$"),
    ({"p1": {"spouse": "kim"}}, r"mbr.toml: person\[1\].spouse: 'alex' names 'sam'.* \(it names 'kim'\)"),
    ({"p1": {"filing_status": "single"}}, r"mbr.toml: person\[1\].filing_status: 'alex' and 'sam' are spouses and "
                                          r"one of them files jointly.*found 'single' on 'sam'"),
    ({"p0": {"filing_status": None}}, r"mbr.toml: person\[0\].filing_status: .*found None on 'alex'"),
    ({"p0": {"spouse": 3}}, r"mbr.toml: person\[0\].spouse: expected a non-empty string"),
])
def test_a_broken_link_names_its_key_path(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        parse_profile(doc(**changes))
