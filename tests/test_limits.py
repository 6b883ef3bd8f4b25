"""The limits data file: complete, cited, never extrapolated, and the figures of docs/rules.md section 1."""

import json
from decimal import Decimal

import pytest

from mbr_ledger.core.errors import MbrError
from mbr_ledger.limits import _load, known_years, limits_for

from conftest import run

YEARS = [2024, 2025, 2026]


def test_every_year_has_every_limit_with_a_source():
    data = _load()
    assert known_years()[-3:] == YEARS  # 2015-2023: tests/test_limits_history.py
    ids = set(data[2024])
    assert len(ids) >= 19
    for year in YEARS:
        assert set(data[year]) == ids, f"{year} is missing limits"
        for item in data[year].values():
            assert item.source.strip(), f"{item.id} {year} has no source"
            assert item.code_section.strip()


def test_deferral_limits_never_decrease():
    data = _load()
    for key in ("deferral_402g", "annual_additions_415c", "comp_limit_401a17", "ira_limit", "catch_up_50",
                "ss_wage_base", "hsa_self", "hsa_family"):
        values = [data[y][key].value for y in YEARS]
        assert all(a is not None and b is not None and a <= b for a, b in zip(values, values[1:], strict=False)), key


@pytest.mark.parametrize("year,deferral,catch50,catch60,additions,comp,ira,ira_cu", [
    (2024, "23000", "7500", None, "69000", "345000", "7000", "1000"),
    (2025, "23500", "7500", "11250", "70000", "350000", "7000", "1000"),
    (2026, "24500", "8000", "11250", "72000", "360000", "7500", "1100"),
])
def test_figures_of_tax_rules(year, deferral, catch50, catch60, additions, comp, ira, ira_cu):
    lim = limits_for(year)
    assert lim.deferral == Decimal(deferral)
    assert lim.catch_up(50) == Decimal(catch50)
    assert lim.catch_up(49) == Decimal("0")
    assert lim.catch_up(64) == Decimal(catch50)
    assert lim.catch_up(60) == Decimal(catch60 or catch50)
    assert lim.catch_up(63) == Decimal(catch60 or catch50)
    assert lim.annual_additions == Decimal(additions)
    assert lim.comp_limit == Decimal(comp)
    assert lim.ira_limit(49) == Decimal(ira)
    assert lim.ira_limit(50) == Decimal(ira) + Decimal(ira_cu)


def test_roth_catch_up_threshold_and_enforcement():
    assert limits_for(2026)["roth_catch_up_wage_threshold"] == Decimal("150000")
    assert limits_for(2026)["roth_catch_up_enforced"] == Decimal("1")
    assert limits_for(2025)["roth_catch_up_enforced"] == Decimal("0")
    assert limits_for(2026).source("deferral_402g") == "IRS Notice 2025-67"


def test_year_without_data_is_an_error_naming_it():
    with pytest.raises(MbrError, match=r"no limits for 2027 in .*limits\.toml"):
        limits_for(2027)


def test_limits_command(tmp_path):
    res = run(tmp_path, "limits", "--year", "2026", "--format", "json")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["limits"]["deferral_402g"]["value"] == "24500.00"
    assert data["limits"]["annual_additions_415c"]["source"] == "IRS Notice 2025-67"
    res = run(tmp_path, "limits", "--year", "2014")
    assert res.exit_code == 2
    assert "no limits for 2014" in res.stderr
    table = run(tmp_path, "limits", "--year", "2025").stdout
    assert "23,500.00" in table and "Notice 2024-80" in table


@pytest.mark.parametrize(("year", "shown", "flag"), [(2025, "no", False), (2026, "yes", True)])
def test_a_rule_flag_is_yes_or_no_never_money(tmp_path, year, shown, flag):
    """`roth_catch_up_enforced` is a yes/no rule (1 or 0 in the data, for the rules): shown as yes/no in
    the table, the packet and the JSON (a boolean), never as the amount "1.00"."""
    lim = limits_for(year).items["roth_catch_up_enforced"]
    assert (lim.kind, lim.shown) == ("flag", shown)
    res = run(tmp_path, "limits", "--year", str(year))
    line = next(ln for ln in res.stdout.splitlines() if ln.startswith("roth_catch_up_enforced"))
    assert f" {shown} " in line and "1.00" not in line and "0.00" not in line
    res = run(tmp_path, "limits", "--year", str(year), "--format", "json")
    assert json.loads(res.stdout)["limits"]["roth_catch_up_enforced"]["value"] is flag
