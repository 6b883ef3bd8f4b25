"""Every real-format fixture is claimed by exactly one importer, by content; the contract files still
by the contract importers; `mbr formats` lists every format."""

from __future__ import annotations

import json
import shutil

import pytest
from real_helpers import FIX, PROFILE_TEXT

from mbr_ledger.core.errors import MbrError
from mbr_ledger.importers import detect, registry, sniff

from conftest import SAMPLE, run

EXPECTED = {
    "netbenefits-history.csv": "netbenefits",
    "netbenefits-history-dollar.csv": "netbenefits",
    "fidelity-activity.csv": "fidelity-activity",
    "voya-history.csv": "voya",
    "vanguard-401k.qfx": "vanguard-ofx",
    "vanguard-401k-xml.ofx": "vanguard-ofx",
    "adp-paystatement.json": "adp",
    "workday-payslip.xlsx": "workday",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fixture_is_claimed_by_exactly_one_importer(name):
    s = sniff(FIX / name)
    assert [i.name for i in registry() if i.identify(s)] == [EXPECTED[name]]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_identification_is_by_content_not_by_file_name(name, tmp_path):
    renamed = tmp_path / "download.dat"
    shutil.copy(FIX / name, renamed)
    assert detect(renamed).name == EXPECTED[name]


@pytest.mark.parametrize("path", sorted(SAMPLE.glob("*.csv")), ids=lambda p: p.name)
def test_sample_data_is_still_claimed_by_the_contract_importers(path):
    claims = [i.name for i in registry() if i.identify(sniff(path))]
    assert len(claims) == 1 and claims[0] in ("payroll", "activity", "1099r", "w2")


def test_mapped_layout_is_claimed_by_no_builtin_importer():
    with pytest.raises(MbrError) as err:
        detect(FIX / "plan-history.csv")
    assert "its first line is '\"Transaction Date\",\"Investment\",\"Contribution\"" in str(err.value)
    assert "netbenefits, fidelity-activity, voya, vanguard-ofx, adp, workday, mapping" in str(err.value)


def test_formats_lists_every_format():
    res = run(FIX, "formats", "--format", "json")
    assert res.exit_code == 0
    names = [f["name"] for f in json.loads(res.stdout)]
    assert names == ["payroll", "activity", "1099r", "w2", "netbenefits", "fidelity-activity", "voya",
                     "vanguard-ofx", "adp", "workday", "alerus", "vanguard-csv", "mapping"]
    table = run(FIX, "formats").stdout
    assert "Date,Investment,Transaction Type,Amount,Shares/Unit" in table
    assert 'Activity Date,Activity,Fund,Money Source,"# of Units",Unit Price,Amount' in table
    assert "Alerus retirement plan history CSV" in table  # a shipped mapping, listed with the built-in formats


def test_all_fixtures_import_together_into_one_book(make_book):
    """A fresh book takes every built-in fixture in one command (the options each needs given)."""
    book = make_book(PROFILE_TEXT)
    for name, args in (("voya-history.csv", ()), ("vanguard-401k.qfx", ()), ("vanguard-401k-xml.ofx", ()),
                       ("workday-payslip.xlsx", ()), ("adp-paystatement.json", ("--plan", "acme")),
                       ("netbenefits-history.csv", ("--source", "after_tax")),
                       ("fidelity-activity.csv", ("--plan", "acme", "--source", "after_tax"))):
        res = run(book, "import", *args, str(FIX / name))
        assert res.exit_code == 0, (name, res.output)
    res = run(book, "ledger", "--format", "json")
    rows = json.loads(res.stdout)
    # events: Voya 17, Vanguard SGML 9 and XML 4, NetBenefits 10, Fidelity 6; payroll shows one row per
    # nonzero source: ADP pretax and after-tax, Workday pretax, Roth, after-tax and match
    assert len(rows) == 17 + 9 + 4 + 10 + 6 + 2 + 4
    assert {(r["kind"], r["account"]) for r in rows if r["kind"] == "payroll"} == {("payroll", "acme"),
                                                                                   ("payroll", "beta")}
