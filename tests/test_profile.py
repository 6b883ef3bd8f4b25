"""mbr.toml is validated strictly: every mistake names its key path."""

import pytest

from mbr_ledger.core.errors import ProfileError
from mbr_ledger.profile import TEMPLATE, load_profile, parse_profile

from conftest import PROFILE, run

BASE = {
    "person": [{"id": "alex", "born": "1975-03-10"}],
    "plan": [{"id": "acme", "person": "alex", "employer": "Acme Corp"}],
    "ira": [{"id": "alex-trad", "person": "alex", "type": "traditional"}],
}


def with_(path, value):
    import copy

    doc = copy.deepcopy(BASE)
    table, idx, key = path
    doc[table][idx][key] = value
    return doc


def test_valid_profile_reads_defaults():
    prof = parse_profile(with_(("plan", 0, "after_tax_cap_pct"), "15"))
    plan = prof.plan("acme")
    assert plan is not None and plan.employer_group == "Acme Corp"
    assert str(plan.after_tax_cap_pct) == "15"
    assert plan.conversion == "none"
    assert prof.person("alex").born.isoformat() == "1975-03-10"
    assert prof.audit.deposit_window_days == 7


@pytest.mark.parametrize("path,value,message", [
    (("plan", 0, "employr"), "x", r"mbr.toml: plan\[0\].employr: unknown key"),
    (("person", 0, "born"), "1975-02-30", r"mbr.toml: person\[0\].born: impossible date"),
    (("person", 0, "born"), 1975, r"mbr.toml: person\[0\].born: expected a date"),
    (("person", 0, "marginal_rate"), 0.24, r"person\[0\].marginal_rate: write the number as a string"),
    (("person", 0, "marginal_rate"), "1.5", r"person\[0\].marginal_rate: 1.5 is out of range"),
    (("person", 0, "filing_status"), "married", r"person\[0\].filing_status: expected one of single"),
    (("plan", 0, "person"), "bob", r"plan\[0\].person: unknown person 'bob'"),
    (("plan", 0, "conversion"), "auto", r"plan\[0\].conversion: expected one of in_plan_auto"),
    (("plan", 0, "source_names"), {"Voluntary": "aftertax"}, r"plan\[0\].source_names.Voluntary: expected one of"),
    (("ira", 0, "type"), "rothira", r"ira\[0\].type: expected one of traditional"),
    (("ira", 0, "id"), "acme", r"ira\[0\].id: account id 'acme' is used twice"),
])
def test_mistakes_name_the_key_path(path, value, message):
    with pytest.raises(ProfileError, match=message):
        parse_profile(with_(path, value))


def test_misplaced_and_missing_keys():
    with pytest.raises(ProfileError, match=r"mbr.toml: persons: unknown key"):
        parse_profile({"persons": []})
    with pytest.raises(ProfileError, match=r"person: write \[\[person\]\]"):
        parse_profile({"person": {"id": "alex"}})
    with pytest.raises(ProfileError, match=r"person\[0\].born: required key is missing"):
        parse_profile({"person": [{"id": "alex"}]})


def test_template_is_valid_and_commented(tmp_path):
    p = tmp_path / "mbr.toml"
    p.write_text(TEMPLATE)
    prof = load_profile(p)
    assert prof.persons == ()
    assert TEMPLATE.count("# ") > 20


def test_bad_profile_file_is_exit_2_without_traceback(make_book):
    book = make_book()
    (book / "mbr.toml").write_text(PROFILE.replace('employer = "Acme Corp"', 'employr = "Acme Corp"'))
    res = run(book, "ledger")
    assert res.exit_code == 2
    assert "mbr.toml: plan[0].employr: unknown key" in res.stderr
    assert "Traceback" not in res.output
    (book / "mbr.toml").write_text("[[person]\nid=")
    res = run(book, "ledger")
    assert res.exit_code == 2 and res.stderr.startswith("mbr: mbr.toml: ")


def test_init_refuses_to_overwrite(make_book):
    book = make_book()
    res = run(book, "init", str(book))
    assert res.exit_code == 2
    assert "exists already" in res.stderr
