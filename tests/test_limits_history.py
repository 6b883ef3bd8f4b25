"""Limits for 2015-2023 (the mega backdoor era since Notice 2014-54): every value cited, checked against
the IRS announcement of its year; a value that could not be confirmed is absent, and only what needs it
is refused.

Sources (one per year, as the data file cites them): IR-2014-99 (2015), IR-2015-118 (2016), Notice
2016-62 (2017), Notice 2017-64 (2018), Notice 2018-83 (2019), Notice 2019-59 (2020), Notice 2020-79
(2021), Notice 2021-61 (2022), Notice 2022-55 (2023). The Roth IRA phase-out for married filing
separately (0-10,000) is not indexed (IRC 408A(c)(3)).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from mbr_ledger.core.errors import MbrError
from mbr_ledger.limits import _load, known_years, limits_for

from conftest import run

D = Decimal
HISTORY = list(range(2015, 2024))

# year: 402(g), 414(v) age 50, 415(c), 401(a)(17), HCE 414(q), IRA, Roth single start-end, Roth MFJ start-end
FIGURES = {
    2015: (18000, 6000, 53000, 265000, 120000, 5500, 116000, 131000, 183000, 193000),
    2016: (18000, 6000, 53000, 265000, 120000, 5500, 117000, 132000, 184000, 194000),
    2017: (18000, 6000, 54000, 270000, 120000, 5500, 118000, 133000, 186000, 196000),
    2018: (18500, 6000, 55000, 275000, 120000, 5500, 120000, 135000, 189000, 199000),
    2019: (19000, 6000, 56000, 280000, 125000, 6000, 122000, 137000, 193000, 203000),
    2020: (19500, 6500, 57000, 285000, 130000, 6000, 124000, 139000, 196000, 206000),
    2021: (19500, 6500, 58000, 290000, 130000, 6000, 125000, 140000, 198000, 208000),
    2022: (20500, 6500, 61000, 305000, 135000, 6000, 129000, 144000, 204000, 214000),
    2023: (22500, 7500, 66000, 330000, 150000, 6500, 138000, 153000, 218000, 228000),
}


def test_years_2015_to_2026_are_known_and_every_value_has_a_source() -> None:
    assert known_years() == list(range(2015, 2027))
    for year, items in _load().items():
        for item in items.values():
            assert item.source.strip(), f"{item.id} {year} has no source"


@pytest.mark.parametrize("year", HISTORY)
def test_figures_of_each_years_announcement(year: int) -> None:
    deferral, cu50, additions, comp, hce, ira, s0, s1, j0, j1 = (D(v) for v in FIGURES[year])
    lim = limits_for(year)
    assert (lim.deferral, lim.catch_up(50), lim.annual_additions, lim.comp_limit) == (deferral, cu50, additions, comp)
    assert lim["hce_threshold"] == hce
    assert (lim.ira_limit(49), lim.ira_limit(50)) == (ira, ira + 1000)  # IRA catch-up 1,000 (not indexed)
    assert (lim["roth_ira_phaseout_single_start"], lim["roth_ira_phaseout_single_end"]) == (s0, s1)
    assert (lim["roth_ira_phaseout_mfj_start"], lim["roth_ira_phaseout_mfj_end"]) == (j0, j1)
    assert (lim["roth_ira_phaseout_mfs_start"], lim["roth_ira_phaseout_mfs_end"]) == (D(0), D(10000))
    # Before SECURE 2.0: no age 60-63 catch-up (section 109, from 2025) and no Roth catch-up rule (603, from 2024).
    assert lim.catch_up(61) == cu50 and not lim.has("catch_up_60_63")
    assert lim["roth_catch_up_enforced"] == 0 and not lim.has("roth_catch_up_wage_threshold")


def test_cited_sources_name_the_years_announcement() -> None:
    assert limits_for(2015).source("deferral_402g") == "IRS IR-2014-99"
    assert limits_for(2019).source("ira_limit") == "IRS Notice 2018-83"
    assert limits_for(2023).source("annual_additions_415c") == "IRS Notice 2022-55"


def test_2018_values_that_were_revised_carry_the_final_figure() -> None:
    # SSA lowered the 2018 wage base to 128,400 (Nov 27, 2017); Rev. Proc. 2018-27 restored the HSA family 6,900.
    assert limits_for(2018)["ss_wage_base"] == D("128400")
    assert limits_for(2018)["hsa_family"] == D("6900")


def test_a_value_not_confirmed_is_absent_and_refused_by_name() -> None:
    lim = limits_for(2015)  # the 2015 HSA limits (Rev. Proc. 2014-30) are left out
    assert not lim.has("hsa_self")
    with pytest.raises(MbrError, match="'hsa_self' has no value for 2015"):
        lim["hsa_self"]
    assert lim.deferral == D("18000")  # the rest of the year works


PROFILE_2008 = """
[[person]]
id = "alex"
born = "1960-03-10"
first_year = 2008

[[plan]]
id = "beta"
person = "alex"
employer = "Beta Labs"

[[ira]]
id = "alex-trad"
person = "alex"
type = "traditional"
"""

ACTIVITY_2008 = """date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo
2008-03-01,alex,alex-trad,contribution,nondeductible,5000.00,,,,2008,
2008-03-02,alex,beta,contribution,after_tax,1000.00,,,,,
2008-06-02,alex,beta,rollover,after_tax,1000.00,,,roth_ira,,
"""


def test_worksheets_of_a_year_without_limits_keep_working(make_book: Callable[..., Path], tmp_path: Path) -> None:
    book = make_book(PROFILE_2008, name="old")
    path = tmp_path / "old.csv"
    path.write_text(ACTIVITY_2008, encoding="utf-8")
    assert run(book, "import", str(path)).exit_code == 0
    ws = run(book, "worksheet", "8606", "--year", "2008", "--format", "json")
    assert ws.exit_code == 0, ws.output
    assert '"1": "5000.00"' in ws.stdout and '"3": "5000.00"' in ws.stdout  # line 1 = line 3 = 5,000 (no basis before)
    r = run(book, "worksheet", "1099r", "--year", "2008", "--format", "json")
    assert r.exit_code == 0, r.output
    assert '"G"' in r.stdout  # the direct rollover to a Roth IRA: code G
    # The audit needs the 402(g)/415(c) limits of 2008: refused, naming the year.
    a = run(book, "audit", "--year", "2008")
    assert a.exit_code == 2 and "no limits for 2008" in a.stderr
