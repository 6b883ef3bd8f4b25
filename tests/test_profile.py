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


def test_a_misspelt_key_gets_the_nearest_suggested():
    doc = with_(("plan", 0, "after_tax_cap_pcnt"), "15")
    with pytest.raises(ProfileError, match=r"plan\[0\]\.after_tax_cap_pcnt: unknown key \(allowed here: "
                                           r"[a-z_, ]*\); did you mean 'after_tax_cap_pct'\?$"):
        parse_profile(doc)
    with pytest.raises(ProfileError, match=r"mbr.toml: persons: unknown key \(allowed at the top: .*\); did you mean 'person'\?"):
        parse_profile({**BASE, "persons": []})
    with pytest.raises(ProfileError, match=r"plan\[0\]\.zzz: unknown key \(allowed here: [a-z_, ]*\)$"):
        parse_profile(with_(("plan", 0, "zzz"), "1"))


def test_a_profile_nested_very_deeply_is_one_line(tmp_path):
    f = tmp_path / "mbr.toml"
    f.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="mbr.toml: nested too deeply to read") as err:
        load_profile(f)
    assert "\n" not in str(err.value)


def test_validation_of_many_persons_is_linear(monkeypatch):
    """20,000 persons with a plan and an IRA each: each id is looked up in a set of the ones before,
    never compared with the whole list (that took 7 s). The ids count their comparisons."""
    import mbr_ledger.profile as profile_mod

    compared = 0

    class Counting(str):
        __hash__ = str.__hash__

        def __eq__(self, other: object) -> bool:
            nonlocal compared
            compared += 1
            return str.__eq__(self, other)

    real = profile_mod._Reader.string

    def counting(self, table, key, path, default=None):  # type: ignore[no-untyped-def]
        return Counting(real(self, table, key, path, default))

    monkeypatch.setattr(profile_mod._Reader, "string", counting)
    n = 20_000
    doc = {"person": [{"id": f"p{i}", "born": "1975-03-10"} for i in range(n)],
           "plan": [{"id": f"plan{i}", "person": f"p{i}", "employer": "Acme"} for i in range(n)],
           "ira": [{"id": f"ira{i}", "person": f"p{i}", "type": "roth"} for i in range(n)]}
    prof = parse_profile(doc)
    assert len(prof.persons) == len(prof.plans) == len(prof.iras) == n
    assert compared <= 10 * n
    dup = {**doc, "person": [*doc["person"], {"id": "p5", "born": "1975-03-10"}]}
    with pytest.raises(ProfileError, match=r"person\[20000\]\.id: person id 'p5' is used twice"):
        parse_profile(dup)
