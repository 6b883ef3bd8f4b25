"""Every key of mbr.toml with its type, default and meaning, and the key reference rendered from them.

`docs/profile-keys.md` is this module's output (`python -m mbr_ledger.profile_keys`); a test checks
that the keys declared here are exactly the keys `profile.parse_profile` accepts, each with a
meaning, and that the document is the rendered text, so the reference cannot drift from the code.
The allowed values of choices come from the profile's own tuples.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from .profile import (
    ALL_SOURCES,
    CONVERSION_STYLES,
    FILING_STATUSES,
    IRA_TYPES,
    MAPPING_ENCODINGS,
    MAPPING_KINDS,
    MAPPING_PLACEHOLDERS,
    MAPPING_REQUIRED_ROLES,
    MAPPING_ROLES,
    MAPPING_SIGN_KINDS,
    PLAN_SOURCES,
)

REGENERATE = ".venv/bin/python -m mbr_ledger.profile_keys > docs/profile-keys.md"


def one_of(options: tuple[str, ...]) -> str:
    return "one of " + ", ".join(f"`{o}`" for o in options)


@dataclass(frozen=True)
class Key:
    """One key of a table: its name, the type of its value, its default ("" when it has none or is
    required) and what it does, in one line."""

    name: str
    type: str
    meaning: str
    default: str = ""
    required: bool = False


@dataclass(frozen=True)
class Table:
    """A table of mbr.toml (`person` is `[[person]]`, `mapping.columns` is `[mapping.columns]`)."""

    path: str
    heading: str
    about: str
    keys: tuple[Key, ...]


MONEY = 'money as a string, e.g. `"1234.50"`'
PERCENT = 'a percentage as a string, 0 to 100, e.g. `"15"`'

ROLE_MEANINGS = {  # the roles of `[mapping.columns]` (profile.MAPPING_ROLES)
    "date": "the date of the event",
    "amount": "the amount in dollars",
    "kind": "the transaction word (`kinds`, or the built-in words, say what it is)",
    "source": "the money-source name (`sources`, the plan's `source_names` or the built-in names)",
    "fund": "the fund (exchanges between funds net out)",
    "shares": "the number of shares",
    "memo": "a description kept with the row",
    "plan": "the plan or IRA id of each row",
}

TABLES: tuple[Table, ...] = (
    Table("", "The top level", "What a profile holds; each is a table or a list of tables.", (
        Key("person", "`[[person]]` tables", "the people whose money the book holds"),
        Key("plan", "`[[plan]]` tables", "their workplace plans (401(k), 403(b)), one per employer plan"),
        Key("ira", "`[[ira]]` tables", "their IRAs (traditional, Roth, SEP, SIMPLE)"),
        Key("audit", "`[audit]` table", "settings of `mbr audit`'s checks"),
        Key("mapping", "`[[mapping]]` tables", "how to read a CSV no built-in format reads "
                                                "(also allowed in a file of its own given with `--mapping`)"),
    )),
    Table("person", "`[[person]]`", "One per person. Ids are short words the CSV files use.", (
        Key("id", "string", "the person's id in CSV files (`person` column), in `--person` and in report file names",
            required=True),
        Key("born", "date `YYYY-MM-DD`", "birth date: the age on Dec 31 of the tax year decides the catch-ups "
                                         "(50+, 60-63) and the age 59 1/2 of early distributions", required=True),
        Key("name", "string", "the name shown on reports, beside the id"),
        Key("filing_status", one_of(FILING_STATUSES), "the filing status: the Roth IRA income limit's range; "
                                                       "`mfj` on both spouses gives one return"),
        Key("marginal_rate", 'a fraction as a string, 0 to 1, e.g. `"0.24"`',
            "the marginal tax rate, for the tax estimates (unconverted earnings, projections)"),
        Key("first_year", "integer, 1990 to 2100", "the first year the book computes Form 8606 from; the "
                                                   "`prior_*` figures are from before it",
            default="the first year in the ledger"),
        Key("prior_ira_basis", MONEY, "traditional IRA basis from before `first_year` (Form 8606 line 14 of "
                                      "the year before)", default='"0.00"'),
        Key("prior_roth_contribution_basis", MONEY, "Roth IRA contribution basis from before `first_year` "
                                                    "(Form 8606 line 22)", default='"0.00"'),
        Key("prior_roth_conversion_basis", MONEY, "Roth IRA conversion and rollover basis from before "
                                                  "`first_year` (Form 8606 line 24)", default='"0.00"'),
        Key("spouse", "a person id", "the spouse in this book, who names this person back; with "
                                     '`filing_status = "mfj"` on both, their Form 1040 lines are one return'),
        Key("first_roth_ira_year", "integer, 1998 to this year", "year of the first contribution or conversion "
                                                                 "to any Roth IRA: starts the 5-year clock of a "
                                                                 "qualified distribution",
            default="the first Roth IRA year in the ledger"),
        Key("magi", 'a table of year = money, e.g. `{ "2026" = "180000.00" }`',
            "modified AGI by tax year, for the Roth IRA income limit",
            default="estimated from W-2 box 1 (best knowledge)"),
    )),
    Table("plan", "`[[plan]]`", "One per workplace plan. Plan and IRA ids share one namespace.", (
        Key("id", "string", "the plan's id in CSV files (payroll `plan`, activity `account`)", required=True),
        Key("person", "a person id", "whose plan it is", required=True),
        Key("employer", "string", "the employer's name (each employer has its own 415(c) limit)", required=True),
        Key("employer_group", "string", "plans with the same group share one 415(c) limit (a controlled group)",
            default="the employer"),
        Key("plan_name", "string", "the plan's name as exports print it, to match a file to its plan"),
        Key("conversion", one_of(CONVERSION_STYLES), "how after-tax money leaves the after-tax source: the plan "
                                                     "converts it in-plan by itself or on request, it is rolled "
                                                     "to a Roth IRA, or it stays", default="`none`"),
        Key("source_names", f"a table of name = {one_of(PLAN_SOURCES)}",
            "the recordkeeper's money-source names (`\"Employee After-Tax\" = \"after_tax\"`)",
            default="the built-in names"),
        Key("after_tax_cap_pct", PERCENT, "the plan's own cap on after-tax contributions, % of pay"),
        Key("after_tax_cap", MONEY, "the plan's own cap on after-tax contributions, in dollars"),
        Key("match_pct", PERCENT, "the employer match as % of pay (capacity planner, 401(a)(17) check)"),
        Key("true_up", "`true` or `false`", "the plan trues up the match at year end (no front-loading warning)",
            default="`false`"),
    )),
    Table("ira", "`[[ira]]`", "One per IRA.", (
        Key("id", "string", "the IRA's id in activity files (`account`)", required=True),
        Key("person", "a person id", "whose IRA it is", required=True),
        Key("type", one_of(IRA_TYPES), "the kind of IRA (traditional, SEP and SIMPLE count in Form 8606 line 6)",
            required=True),
    )),
    Table("audit", "`[audit]`", "Settings of the audit's checks.", (
        Key("deposit_window_days", "integer, 0 to 60", "business days a paycheck's plan money may take to reach "
                                                       "the plan (deposit_match)", default="7"),
        Key("conversion_lag_warn_days", "integer, 0 to 3660", "calendar days after-tax money may wait for its "
                                                              "conversion before a warning (conversion_lag)",
            default="30"),
    )),
    Table("mapping", "`[[mapping]]`", "How to read a CSV no built-in format reads, without code; import it with "
                                      "`--from mapping` (see docs/formats.md).", (
        Key("name", "lower-case letters, digits, `-`, `_`", "the format's name, as `mbr formats` lists it",
            required=True),
        Key("columns", "`[mapping.columns]` table", "which column of the file holds what (below)", required=True),
        Key("title", "string", "what people call the file"),
        Key("account", "a plan or IRA id", "the plan or IRA every row belongs to (instead of `plan`)"),
        Key("plan", "a plan id", "the plan every row belongs to", default="`--plan`, or a `plan` column"),
        Key("source", one_of(ALL_SOURCES), "the money source of every row, for files without a source column",
            default="`--source`"),
        Key("kinds", f"a table of word = {one_of(MAPPING_KINDS)}", "the file's transaction words and what each "
                                                                   "is", default="the built-in words"),
        Key("sources", f"a table of name = {one_of(ALL_SOURCES)}", "the file's money-source names and what each "
                                                                   "is", default="the plan's `source_names`, then "
                                                                                 "the built-in names"),
        Key("rules", "`[[mapping.rules]]` tables", "ordered rules deciding kind and source by regular expression "
                                                   "(below); first match wins"),
        Key("placeholders", "a list of strings", "cells read as empty (compared without case), besides empty "
                                                 "cells", default=", ".join(f'`"{p}"`' for p in MAPPING_PLACEHOLDERS)),
        Key("signs", "`[mapping.signs]` table", "the sign each kind's amounts are written with, where the file "
                                                "does not say (below)"),
        Key("negate", "`true` or `false`", "the file writes money into the account as negative", default="`false`"),
        Key("date_format", 'a strftime pattern, e.g. `"%m/%d/%Y"`', "how the file writes dates",
            default="`YYYY-MM-DD` or `MM/DD/YYYY`"),
        Key("delimiter", "one character", "the field separator", default='`","`'),
        Key("encoding", one_of(MAPPING_ENCODINGS), "the file's text encoding (a UTF-8 BOM is allowed)",
            default="`utf-8`"),
        Key("header_contains", "a list of strings", "more header names the file must have, to tell look-alike "
                                                    "files apart"),
        Key("footer", "a list of strings", "first-cell prefixes where the rows end (`\"Total\"`)"),
        Key("stop_at_blank", "`true` or `false`", "the rows end at the first blank line", default="`false`"),
    )),
    Table("mapping.columns", "`[mapping.columns]`", "The file's header name for each role. `kind` may be left out "
                                                    "when `[[mapping.rules]]` set the kind.",
          tuple(Key(role, "a header name", ROLE_MEANINGS.get(role, ""), required=role in MAPPING_REQUIRED_ROLES)
                for role in MAPPING_ROLES)),
    Table("mapping.rules", "`[[mapping.rules]]`", "Ordered: the first rule whose pattern is found in its column "
                                                  "decides; a row no rule and no `kinds` entry decides is an "
                                                  "error naming its line and value.", (
        Key("column", "a header name", "the column the pattern is searched in", required=True),
        Key("match", "a regular expression", "what is searched for in that column's cell", required=True),
        Key("kind", one_of(MAPPING_KINDS), "the kind of a row that matches"),
        Key("source", one_of(ALL_SOURCES), "the money source of a row that matches"),
    )),
    Table("mapping.signs", "`[mapping.signs]`", "Each key a kind, each value `\"+\"` or `\"-\"`.",
          tuple(Key(kind, '`"+"` or `"-"`', f"the sign {kind} amounts are written with") for kind in MAPPING_SIGN_KINDS)),
)


def missing_meanings() -> list[str]:
    """The keys declared without a meaning (`person.magi`), for the test that keeps every key explained."""
    return [f"{t.path}.{k.name}".lstrip(".") for t in TABLES for k in t.keys if not k.meaning.strip()]


def declared() -> dict[str, set[str]]:
    """Table path -> the keys declared for it."""
    return {t.path: {k.name for k in t.keys} for t in TABLES}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    """The key reference as Markdown: a section per table, a row per key."""
    out = ["# mbr.toml keys", "",
           "Every key a profile may hold, generated from the program's own list (`mbr_ledger/profile_keys.py`),",
           "so it is the list `mbr` checks against: any other key is an error naming its place. Money and",
           "rates are strings, so they stay exact. Regenerate with:", "", "```", REGENERATE, "```", ""]
    for t in TABLES:
        out += [f"## {t.heading}", "", t.about, "", "| key | value | default | meaning |", "|---|---|---|---|"]
        for k in t.keys:
            default = "required" if k.required else (k.default or "none")
            out.append(f"| `{k.name}` | {_cell(k.type)} | {_cell(default)} | {_cell(k.meaning)} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(render())
