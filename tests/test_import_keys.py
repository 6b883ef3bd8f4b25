"""Checks decided once per combination of key values (person, account, kind, source, destination)
instead of once per row: the combinations that pass, counted by hand from the rules, and the
verdict on every combination, on and off the lists, equal to the checks row by row."""

import itertools
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from mbr_ledger.core.schema import DESTINATIONS, EVENT_KINDS
from mbr_ledger.importers.onepass import keyed
from mbr_ledger.importers.validate import check_plan
from mbr_ledger.profile import IRA_SOURCES, PLAN_SOURCES, load_profile

from conftest import SAMPLE


@pytest.fixture(scope="module")
def profile():  # type: ignore[no-untyped-def]
    return load_profile(Path(SAMPLE) / "mbr.toml")


def test_valid_combinations_of_the_sample_profile(profile) -> None:  # type: ignore[no-untyped-def]
    """Per account, the (kind, source, destination) a row may have, from the rules:

    - a plan (acme, beta): contribution, earnings, fee, conversion, distribution and corrective with
      one of the 5 plan sources and no destination (30); a rollover with a source and roth_ira or
      traditional_ira (10); a balance with a source or none (6): 46 each (no recharacterization);
    - the traditional IRA: nondeductible or deductible contributions (2); earnings, fee,
      conversion, distribution, balance and corrective without a source (6); a rollover without a
      source to either destination (2); a recharacterization to roth_ira (1): 11;
    - the Roth IRA: `roth` contributions (1); earnings, fee, distribution, balance and corrective
      (5, no conversion); a rollover to either destination (2); a recharacterization to
      traditional_ira (1): 9.
    Always with the account's owner, alex, as the person. (Combinations with no person, account or
    kind pass the checks too: those are required values, and a row without one never reaches the
    checks.)"""
    valid = keyed(check_plan("events", profile)).valid
    assert valid is not None
    df = valid.struct.unnest().drop_nulls(["person", "account", "kind"])
    assert df["person"].unique().to_list() == ["alex"]
    counts = dict(df.group_by("account").len().iter_rows())
    assert counts == {"acme": 46, "beta": 46, "alex-trad": 11, "alex-roth": 9}
    roth = df.filter(pl.col("account") == "alex-roth")
    assert roth.filter(pl.col("kind") == "contribution")["source"].to_list() == ["roth"]
    assert roth.filter(pl.col("kind") == "conversion").height == 0
    assert sorted(df.filter(pl.col("kind") == "rollover", pl.col("account") == "beta")["destination"]
                  .unique().to_list()) == ["roth_ira", "traditional_ira"]


def _row_by_row(plan, df: pl.DataFrame) -> pl.Series:  # type: ignore[no-untyped-def]
    """Whether a check fails on each row, as the step-by-step path decides it: a general check, or
    a check of a scope that selects the row."""
    work = df.with_columns(*plan.prepare)
    parts = [e.fill_null(False) for e, _, _ in plan.general]
    parts += [scope.fill_null(False) & e.fill_null(False) for scope, checks in plan.scoped for e, _, _ in checks]
    return work.select(pl.any_horizontal(parts)).to_series()


def test_keyed_verdict_equals_the_row_by_row_checks_on_every_combination(profile) -> None:  # type: ignore[no-untyped-def]
    plan = check_plan("events", profile)
    kp = keyed(plan)
    off = "zz"  # a value on no list
    values: dict[str, list[str | None]] = {
        "person": ["alex", off, None],
        "account": ["acme", "beta", "alex-trad", "alex-roth", off, None],
        "kind": [*EVENT_KINDS, off],
        "source": [*dict.fromkeys((*PLAN_SOURCES, *IRA_SOURCES)), None, off],
        "destination": [*DESTINATIONS, None, off],
    }
    rows: list[tuple[str | None, ...]] = list(itertools.product(*values.values()))
    assert len(rows) == 3 * 6 * 10 * 9 * 4
    df = pl.DataFrame(rows, schema=dict.fromkeys(values, pl.String), orient="row").with_columns(
        pl.lit("2026-03-02").str.to_date().alias("date"), pl.lit(100, dtype=pl.Int64).alias("amount"),
        pl.lit(None, dtype=pl.Int64).alias("basis"), pl.lit(None, dtype=pl.Int64).alias("taxable"),
        pl.lit(None, dtype=pl.Int64).alias("for_year"), pl.lit(None, dtype=pl.String).alias("reason"),
        pl.lit(None, dtype=pl.Date).alias("completed"))
    want = _row_by_row(plan, df)
    got = df.with_columns(*kp.prepare).select(kp.bad()).to_series()
    # The checks left to run row by row (they read other columns than the keys: for_year, basis,
    # and the reason and for_year a corrective or recharacterization row needs), on the same rows.
    rest = _row_by_row(replace(plan, general=kp.general, scoped=kp.scoped), df)
    # Never a pass where a check fails; and the same verdict on every row that can reach the checks
    # (person, account and kind are required). Without an account, a source off the lists is
    # turned down though no check reads it: such a row only goes the step-by-step way.
    assert not (want & (got | rest).not_()).any()
    required = df.select(pl.all_horizontal(pl.col("person", "account", "kind").is_not_null())).to_series()
    assert (got | rest).filter(required).to_list() == want.filter(required).to_list()
    assert not kp.general and len(kp.scoped) == 3
    passing = df.filter(~want).drop_nulls(["person", "account", "kind"])
    assert passing.height == 98


@pytest.mark.parametrize(("table", "col"), [("payroll", "plan"), ("w2", "plan"), ("form_1099r", "payer_account")])
def test_person_and_account_pairs_of_the_other_tables(profile, table: str, col: str) -> None:  # type: ignore[no-untyped-def]
    valid = keyed(check_plan(table, profile)).valid
    assert valid is not None
    pairs = sorted(valid.struct.unnest().drop_nulls().rows())
    accounts = ["acme", "beta"] if col == "plan" else ["acme", "alex-roth", "alex-trad", "beta"]
    assert pairs == [("alex", a) for a in accounts]


def test_a_scoped_check_reading_what_the_normalising_changes_sees_the_rows_as_written(
        profile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The one-pass query normalises in the same query as the checks only when no scoped check reads
    a column the normalising changes. A check that does (here: a fee's amount as written, before
    its sign is turned) is run on the rows as written, and the one-pass result is the step-by-step
    one."""
    from dataclasses import replace

    from mbr_ledger.importers import ImportContext, validate
    from mbr_ledger.importers.blocks import CsvFile
    from mbr_ledger.importers.contract import ACTIVITY
    from mbr_ledger.tuning import paths

    def with_fee_check(p):  # type: ignore[no-untyped-def]
        plan = validate._events_plan(p)
        fee = (pl.col("kind") == "fee", ((pl.col("amount") <= 0, "amount", "a fee is written as a positive amount"),))
        return replace(plan, scoped=(*plan.scoped, fee))

    monkeypatch.setitem(validate._PLANS, "events", with_fee_check)
    monkeypatch.setattr(validate, "_BUILT", {})
    ctx = ImportContext(profile)
    f = tmp_path / "fees.csv"
    f.write_text("date,person,account,kind,source,amount\n2026-01-05,alex,acme,contribution,after_tax,100.00\n"
                 "2026-01-31,alex,acme,fee,after_tax,2.50\n", encoding="utf-8")
    query = ACTIVITY._query(ctx, ("date", "person", "account", "kind", "source", "amount", "source_line"), True)
    assert query.finish is not None  # normalised after the scoped checks, not with them
    assert ACTIVITY._one_pass(f, ctx, next(CsvFile(f).blocks()).frame) is not None  # not declined
    one = ACTIVITY.extract(f, ctx)
    monkeypatch.setattr(paths, "FAST_IMPORT", False)
    step = ACTIVITY.extract(f, ctx)
    assert not one.problems and not step.problems
    assert one.tables["events"].equals(step.tables["events"])
    assert one.tables["events"]["amount"].to_list() == [10000, -250]
