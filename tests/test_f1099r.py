"""Form 1099-R expected from the ledger against the forms received, and Form 1040 lines 4a-5b
(docs/rules.md section 5). Every figure is computed by hand in the comments."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from mbr_ledger.book.book import Book
from mbr_ledger.forms.f1099r import as_json, has_differences, norm_code
from mbr_ledger.forms.f8606 import as_json as f8606_json
from mbr_ledger.forms.f8606 import worksheet_8606
from mbr_ledger.forms.model import Worksheet
from mbr_ledger.profile import load_profile

from conftest import person_year, run

ACTIVITY = "date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo\n"
FORMS = "tax_year,person,payer_account,box1,box2a,box5,box7,box2b_not_determined,ira_sep_simple,form_id\n"
D = Decimal


def worksheet(book: Path, year: int, person: str | None) -> Worksheet:
    with Book.open(book) as b:
        return b.worksheets("1099r", year, person)[0]


def load(book: Path, tmp_path: Path, activity: str, forms: str = "") -> tuple[Any, Path]:
    files = []
    a = tmp_path / "activity.csv"
    a.write_text(ACTIVITY + activity.strip() + "\n", encoding="utf-8")
    files.append(str(a))
    if forms.strip():
        f = tmp_path / "1099r.csv"
        f.write_text(FORMS + forms.strip() + "\n", encoding="utf-8")
        files.append(str(f))
    res = run(book, "import", *files)
    assert res.exit_code == 0, res.output
    return load_profile(book / "mbr.toml"), book


def boxes(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(x["payer_account"], x["box1"], x["box2a"], x["box5"], x["box7"]) for x in items]


def diffs(j: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(d["payer_account"], d["level"], d["box"], d["expected"], d["actual"], d["difference"])
            for d in j["differences"]]


ROLLOVER = """
2026-07-16,alex,beta,contribution,after_tax,3000.00,,,,,
2026-08-20,alex,beta,earnings,after_tax,16.93,,,,,
2026-08-20,alex,beta,rollover,after_tax,3016.93,,,roth_ira,,
"""


def test_received_form_that_disagrees_with_the_ledger(book: Path, tmp_path: Path) -> None:
    # The plan's form says code G with box 2a 0.00: the 16.93 of earnings went to the Roth IRA and are taxable.
    profile, led = load(book, tmp_path, ROLLOVER, "2026,alex,beta,3016.93,0.00,3000.00,G,,,BETA-1")
    ws = worksheet(led, 2026, "alex")
    j = as_json(ws)
    assert boxes(j["expected"]) == [("beta", "3016.93", "16.93", "3000.00", "G")]
    assert j["expected"][0]["destination"] == "roth_ira"
    assert boxes(j["actual"]) == [("beta", "3016.93", "0.00", "3000.00", "G")]
    # One form against one: the difference is said once, for the form (the payer's sums say the same).
    assert diffs(j) == [("beta", "form", "box2a", "16.93", "0.00", "16.93")]
    assert all("code G does not mean 'not taxable'" in d["explanation"] for d in j["differences"])
    assert j["differences"][0]["rows"] == f"{tmp_path / 'activity.csv'}:4; {tmp_path / '1099r.csv'}:2"
    assert [x["status"] for x in j["expected"]] == ["received"]
    assert has_differences(ws)
    assert j["form1040"] == {"4a": "0.00", "4b": "0.00", "5a": "3016.93", "5b": "16.93"}
    assert any("would give line 5b = 0.00" in n for n in j["notes"])


def test_forms_not_received_yet_are_awaited_not_different(book: Path, tmp_path: Path) -> None:
    """Before any Form 1099-R is imported, each expected form is listed as awaited, with what it should
    show; there is no difference, so the worksheet exits 0."""
    load(book, tmp_path, ROLLOVER)
    ws = worksheet(book, 2026, "alex")
    j = as_json(ws)
    assert boxes(j["expected"]) == [("beta", "3016.93", "16.93", "3000.00", "G")]
    assert [x["status"] for x in j["expected"]] == ["awaited"]
    assert j["differences"] == [] and not has_differences(ws)
    assert any("not received yet from beta" in n and "box 2a 16.93" in n for n in j["notes"])
    res = run(book, "worksheet", "1099r", "--year", "2026", "--format", "json")
    assert res.exit_code == 0


def test_received_form_that_agrees(book: Path, tmp_path: Path) -> None:
    profile, led = load(book, tmp_path, ROLLOVER, "2026,alex,beta,3016.93,16.93,3000.00,G,,,BETA-1")
    ws = worksheet(led, 2026, "alex")
    assert not has_differences(ws)
    assert ws.grids["expected"].rows[0][11] == "BETA-1"


SPLIT = """
2025-03-03,alex,beta,contribution,after_tax,6000.00,,,,,
2025-05-30,alex,beta,earnings,after_tax,60.00,,,,,
2025-06-02,alex,beta,rollover,after_tax,60.00,,,traditional_ira,,
2025-06-02,alex,beta,rollover,after_tax,6000.00,,,roth_ira,,
"""


def test_split_on_one_combined_form_reconciles(book: Path, tmp_path: Path) -> None:
    # Expected: two code-G legs (6000.00 / 0 / 6000.00 to the Roth IRA, 60.00 / 0 / 0 to the traditional IRA);
    # the plan issued one form for both: 6060.00 / 0.00 / 6000.00. The sums agree and the form covers both legs.
    profile, led = load(book, tmp_path, SPLIT, "2025,alex,beta,6060.00,0.00,6000.00,G,,,BETA-ALL")
    ws = worksheet(led, 2025, "alex")
    j = as_json(ws)
    assert boxes(j["expected"]) == [("beta", "6000.00", "0.00", "6000.00", "G"),
                                    ("beta", "60.00", "0.00", "0.00", "G")]
    assert [x["destination"] for x in j["expected"]] == ["roth_ira", "traditional_ira"]
    assert [x["matched_form"] for x in j["expected"]] == ["BETA-ALL", "BETA-ALL"]
    assert j["differences"] == []
    # 5b: nothing taxable: the earnings went to the traditional IRA, the basis to the Roth IRA.
    assert j["form1040"] == {"4a": "0.00", "4b": "0.00", "5a": "6060.00", "5b": "0.00"}


def test_split_on_two_forms_one_with_the_wrong_code(book: Path, tmp_path: Path) -> None:
    forms = """
2025,alex,beta,6000.00,0.00,6000.00,G,,,BETA-ROTH
2025,alex,beta,60.00,0.00,0.00,H,,,BETA-TRAD
"""
    profile, led = load(book, tmp_path, SPLIT, forms)
    j = as_json(worksheet(led, 2025, "alex"))
    assert diffs(j) == [("beta", "form", "box7", "G", "H", None)]


IRRS = """
2025-01-15,alex,acme,contribution,after_tax,1000.00,,,,,
2025-01-31,alex,acme,earnings,after_tax,0.37,,,,,
2025-02-03,alex,acme,conversion,after_tax,1000.37,,,,,
2025-02-15,alex,acme,contribution,after_tax,1000.00,,,,,
2025-02-28,alex,acme,earnings,after_tax,0.47,,,,,
2025-03-03,alex,acme,conversion,after_tax,1000.47,,,,,
2025-03-15,alex,acme,contribution,after_tax,1000.00,,,,,
2025-03-31,alex,acme,earnings,after_tax,1.09,,,,,
2025-04-01,alex,acme,conversion,after_tax,1001.09,,,,,
"""


def test_monthly_irrs_on_one_form_or_one_form_each(book: Path, tmp_path: Path) -> None:
    # One expected form for the year's IRRs: 3001.93 = 3000.00 basis + 1.93 earnings (0.37 + 0.47 + 1.09).
    forms = """
2025,alex,acme,1000.37,0.37,1000.00,G,,,IRR-1
2025,alex,acme,1000.47,0.47,1000.00,G,,,IRR-2
2025,alex,acme,1001.09,1.09,1000.00,G,,,IRR-3
"""
    profile, led = load(book, tmp_path, IRRS, forms)
    ws = worksheet(led, 2025, "alex")
    j = as_json(ws)
    assert boxes(j["expected"]) == [("acme", "3001.93", "1.93", "3000.00", "G")]
    assert j["expected"][0]["destination"] == "roth_401k"
    assert j["expected"][0]["date"] == "2025-02-03..2025-04-01"
    assert j["expected"][0]["matched_form"] == "IRR-1, IRR-2, IRR-3"
    assert j["differences"] == []
    assert j["form1040"] == {"4a": "0.00", "4b": "0.00", "5a": "3001.93", "5b": "1.93"}


def test_missing_form_and_form_without_an_event(book: Path, tmp_path: Path) -> None:
    profile, led = load(book, tmp_path, IRRS, "2025,alex,beta,500.00,0.00,500.00,G,,,STRAY")
    ws = worksheet(led, 2025, "alex")
    j = as_json(ws)
    # Nothing received from acme yet: its form is awaited, not a difference. The stray beta form has no
    # ledger event: a difference, with the payer's sums since it pairs with no expected form.
    assert diffs(j) == [
        ("beta", "plan", "box1", "0.00", "500.00", "-500.00"),
        ("beta", "plan", "box5", "0.00", "500.00", "-500.00"),
        ("beta", "form", "form", None, "500.00", "-500.00"),
    ]
    assert j["differences"][0]["form"] == "sum of beta's forms"
    assert [(x["payer_account"], x["status"]) for x in j["expected"]] == [("acme", "awaited")]
    assert any(n.startswith("Form 1099-R not received yet from acme (alex): the ledger expects acme 2025 IRRs, "
                            "box 1 3,001.93, box 2a 1.93, box 7 G") for n in j["notes"])


def test_cash_distribution_and_roth_401k_rollover_codes(book: Path, tmp_path: Path) -> None:
    activity = """
2025-01-10,alex,acme,contribution,roth,5000.00,,,,,
2025-01-15,alex,acme,contribution,after_tax,1000.00,,,,,
2025-01-31,alex,acme,earnings,after_tax,1.00,,,,,
2025-02-01,alex,acme,conversion,after_tax,1001.00,,,,,
2025-06-30,alex,acme,earnings,roth,99.00,,,,,
2025-07-01,alex,acme,rollover,roth,6100.00,,,roth_ira,,
2025-05-01,alex,beta,contribution,after_tax,1000.00,,,,,
2025-05-30,alex,beta,earnings,after_tax,10.00,,,,,
2025-06-02,alex,beta,distribution,after_tax,505.00,,,,,
"""
    profile, led = load(book, tmp_path, activity)
    j = as_json(worksheet(led, 2025, "alex"))
    # acme: IRR code G 1001.00 / 1.00 / 1000.00; Roth 401(k) to Roth IRA code H: box 2a 0, box 5 = the Roth
    # contributions 5000.00 + the IRR 1001.00 = 6001.00 of investment in the contract.
    # beta: 505.00 paid out of 1010.00: basis 500.00, earnings 5.00 taxable; code 1 (alex is 50).
    assert boxes(j["expected"]) == [("acme", "1001.00", "1.00", "1000.00", "G"),
                                    ("beta", "505.00", "5.00", "500.00", "1"),
                                    ("acme", "6100.00", "0.00", "6001.00", "H")]
    assert j["form1040"] == {"4a": "0.00", "4b": "0.00", "5a": "7606.00", "5b": "6.00"}
    # Roth 401(k) money rolled into the Roth IRA is contribution basis (line 22), not line 24.
    cf = f8606_json(worksheet_8606(person_year(led, 2025, "alex")))["carry_forward"]
    assert (cf["roth_contribution_basis"], cf["roth_conversion_basis"]) == ("6001.00", "0.00")


OLDER = """
[[person]]
id = "pat"
born = "1966-07-15"

[[ira]]
id = "pat-trad"
person = "pat"
type = "traditional"

[[ira]]
id = "pat-roth"
person = "pat"
type = "roth"
"""


def test_ira_conversion_code_2_before_59_and_a_half_7_from_that_day(
        make_book: Callable[..., Path], tmp_path: Path) -> None:
    # pat turns 59 1/2 on 2026-01-15. The custodian reports box 2a = box 1 with box 2b checked: not a difference.
    activity = """
2026-01-05,pat,pat-trad,contribution,nondeductible,300.00,,,,2026,
2026-01-14,pat,pat-trad,conversion,,100.00,,,,,
2026-01-15,pat,pat-trad,conversion,,200.00,,,,,
2026-12-31,pat,pat-trad,balance,,0.00,,,,,
"""
    forms = """
2026,pat,pat-trad,100.00,100.00,0.00,2,true,true,TRAD-A
2026,pat,pat-trad,200.00,0.00,0.00,7,true,true,TRAD-B
"""
    book = make_book(OLDER, name="pat")
    profile, led = load(book, tmp_path, activity, forms)
    ws = worksheet(led, 2026, None)
    j = as_json(ws)
    assert boxes(j["expected"]) == [("pat-trad", "100.00", "100.00", "0.00", "2"),
                                    ("pat-trad", "200.00", "200.00", "0.00", "7")]
    assert [x["box2b_not_determined"] for x in j["expected"]] == [True, True]
    assert j["differences"] == []
    # 4a = 300.00 converted; 4b = Form 8606 line 18 = 0 (all basis: 300.00 / 300.00 = 1.000).
    assert j["form1040"] == {"4a": "300.00", "4b": "0.00", "5a": "0.00", "5b": "0.00"}


def test_box7_codes_compare_without_order_or_case() -> None:
    assert norm_code("7 b") == norm_code("B7")
    assert norm_code("G") != norm_code("H")


def test_partial_roth_401k_rollover_and_pretax_rollovers(book: Path, tmp_path: Path) -> None:
    activity = """
2026-01-10,alex,acme,contribution,roth,5000.00,,,,,
2026-03-31,alex,acme,earnings,roth,60.00,,,,,
2026-06-30,alex,acme,earnings,roth,40.00,,,,,
2026-07-01,alex,acme,rollover,roth,2550.00,,,roth_ira,,
2026-08-03,alex,beta,rollover,pretax,10000.00,,,traditional_ira,,
2026-09-01,alex,beta,rollover,match,1200.00,,,roth_ira,,
"""
    profile, led = load(book, tmp_path, activity)
    j = as_json(worksheet(led, 2026, "alex"))
    # Roth 401(k): 2550.00 of 5100.00 carries 2550.00 x 5000.00 / 5100.00 = 2500.00 of contributions; code H.
    # Pre-tax money to a traditional IRA: code G, nothing taxable; employer match to a Roth IRA: all taxable.
    assert boxes(j["expected"]) == [("acme", "2550.00", "0.00", "2500.00", "H"),
                                    ("beta", "10000.00", "0.00", "0.00", "G"),
                                    ("beta", "1200.00", "1200.00", "0.00", "G")]
    assert j["form1040"] == {"4a": "0.00", "4b": "0.00", "5a": "13750.00", "5b": "1200.00"}
    cf = f8606_json(worksheet_8606(person_year(led, 2026, "alex")))
    # Line 6 estimate: the 10000.00 of pre-tax money now sits in alex-trad (no balance row: a warning).
    assert cf["line6"] == [{"account": "alex-trad", "value": "10000.00", "from": "estimated from the ledger",
                            "row": ""}]
    # The Roth 401(k) basis is contribution basis (line 22); the match rolled to the Roth IRA is a line 24 layer.
    assert (cf["carry_forward"]["roth_contribution_basis"], cf["carry_forward"]["roth_conversion_basis"]) == (
        "2500.00", "1200.00")
    assert [(x["kind"], x["amount"], x["taxable"]) for x in cf["carry_forward"]["roth_layers"]] == [
        ("rollover", "1200.00", "1200.00")]
