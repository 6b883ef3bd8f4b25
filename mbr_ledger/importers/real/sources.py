"""The recordkeepers' and payroll systems' words, mapped onto the ledger's.

Two tables: money-source names (``"Employee PreTax"`` -> ``pretax``) and transaction words
(``"Change in Market Value"`` -> earnings). Both are looked up by a normalised key (case, spaces,
punctuation and a leading plan-specific number such as ``"11 - "`` ignored), so ``"EMPLOYEE
AFTER-TAX"``, ``"Employee After-Tax"`` and ``"employee aftertax"`` are one name.

The names are those seen in real exports (see the statement-formats reference) plus the obvious
spellings of the same thing. A plan's own `source_names` in mbr.toml always win over this table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ...profile import PLAN_SOURCES, Plan

_NUMBERING = re.compile(r"^\s*\d+\s*-\s+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def norm(name: str) -> str:
    """The lookup key of a name: lower case, letters and digits only, leading `"1 - "` dropped."""
    return _NON_ALNUM.sub("", _NUMBERING.sub("", name).casefold())


def _table(groups: Mapping[str, Iterable[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value, names in groups.items():
        for n in names:
            key = norm(n)
            if key in out and out[key] != value:  # pragma: no cover - a typo in the table itself
                raise AssertionError(f"{n!r} maps to both {out[key]} and {value}")
            out[key] = value
    return out


# Money-source names seen in recordkeeper files (Voya, Fidelity "Sources" view, the A5 layout),
# the OFX INV401KSOURCE values, and payroll deduction names (ADP, Workday).
SOURCE_NAMES: dict[str, str] = _table({
    "pretax": [
        "Employee PreTax", "Employee Pre-Tax", "Pre-Tax", "PreTax", "Pre Tax", "Before-Tax", "Before Tax",
        "Employee Deferral", "Employee Deferrals", "Elective Deferral", "Elective Deferrals",
        "Employee 401(k)", "401(k) Pre-Tax", "Pre-Tax 401(k)", "401(k) Deferral", "Salary Deferral",
        "PRETAX",  # OFX
        # payroll deduction names
        "401k", "401(k)", "401K Plan", "401(k) Plan", "401k Pretax", "401K Pre Tax", "401(k) Before Tax",
    ],
    "roth": [
        "ROTH", "Roth Deferral", "Roth Deferrals", "Roth 401(k)", "Roth Basic", "Employee Roth",
        "Roth Contributions", "Roth Contribution", "Designated Roth", "Roth Elective Deferral",
        "Roth In-Plan Conversion", "In-Plan Roth Rollover", "Roth In Plan Conversion", "Roth Conversion",
        "401k Roth", "Roth 401k Deferral",
    ],
    "after_tax": [
        "EMPLOYEE AFTER-TAX", "After-Tax", "After Tax", "AfterTax", "Employee After Tax",
        "After-Tax Contributions", "After-Tax Contribution", "Voluntary After-Tax", "Employee Voluntary After-Tax",
        "Non-Roth After-Tax", "Post-Tax", "Employee Post-Tax", "After-Tax 401(k)",
        "AFTERTAX",  # OFX
        # payroll deduction names
        "After-Tax 415C", "401K Post Tax", "401(k) After-Tax", "401k After Tax", "After Tax 401k",
        "401k Post-Tax", "Post Tax 401k",
    ],
    "match": [
        "Employer Match", "Safe Harbor Match", "Safe Harbor Matching", "Matching", "Employer Matching",
        "Company Match", "Match", "Employer Matching Contributions", "Matching Contributions",
        "MATCH",  # OFX
        "401(k) Employer Match", "401K ER Match", "401k Match", "ER 401k Match", "Employer 401k Match",
    ],
    "nonelective": [
        "PROFITSHARING",  # OFX
        "Profit Sharing", "Employer Discretionary", "Employer Nonelective", "Employer Non-Elective",
        "Safe Harbor Nonelective", "Safe Harbor Non-Elective", "Nonelective",
        "Employer Profit Sharing", "Employer Basic",
    ],
})

# Names a recordkeeper uses for more than one kind of money: never guessed, always asked for.
AMBIGUOUS_SOURCE_NAMES: dict[str, str] = {
    norm("ROLLOVER"): "rolled-in money: pre-tax, Roth or after-tax depending on where it came from",
    norm("OTHERVEST"): "Vanguard files often put the Roth 401(k) here",
    norm("OTHERNONVEST"): "an aggregate of other money; check your plan statement",
    norm("Rollover"): "rolled-in money: pre-tax, Roth or after-tax depending on where it came from",
}

# What the ledger does with a transaction word.
#   contribution, earnings, fee, distribution, conversion, balance: that ledger kind
#   exchange: money moving between funds (netted per date and source; never a contribution)
#   signed:   earnings when positive, fee when negative (Voya's OTHER)
#   loan, rollover, skip: not imported, counted in the notes
ACTIONS = ("contribution", "earnings", "fee", "distribution", "conversion", "balance", "exchange", "signed",
           "loan", "rollover", "skip")

KIND_WORDS: dict[str, str] = _table({
    "contribution": [
        "Contributions", "Contribution", "Employee Contribution", "Employer Contribution",
        "Employee Contributions", "Employer Contributions", "Contributions - Employee",
        "Contributions - Employer", "Payroll Contribution", "Payroll Contributions", "Deferral",
        "Deposit", "Deposits",
    ],
    "earnings": [
        "Dividend", "Dividends", "Interest", "Change in Market Value", "Realized Gain/Loss",
        "Revenue Credit", "Revenue Credits", "Capital Gain", "Capital Gains", "Gain/Loss", "Gain / Loss",
        "Market Value Adjustment", "Reinvestment", "Dividends Reinvested", "Dividend Reinvestment",
        "Interest Credit", "Investment Gain/Loss", "Earnings", "Fee Credit", "Plan Credit",
    ],
    "fee": [
        "Recordkeeping Fee", "Recordkeeping Fees", "Administrative Fees", "Administrative Fee", "Admin Fee",
        "Plan Service Fee", "Plan Service Fees", "Fee", "Fees", "Investment Expense", "Advisory Fee",
        "Participant Fee", "Loan Fee", "Service Fee", "Managed Account Fee", "Plan Fee", "Plan Fees",
    ],
    "exchange": [
        "Exchange In", "Exchange Out", "Exchange", "Exchanges", "Transfer", "Transfers", "Transfer In",
        "Transfer Out", "Fund Transfer In", "Fund Transfer Out", "Fund Transfer", "Rebalance", "Rebalancing",
        "Fund to Fund Transfer", "Reallocation",
    ],
    "conversion": [
        "Roth In-Plan Conversion", "In-Plan Roth Rollover", "In-Plan Roth Conversion", "Roth Conversion",
        "In Plan Roth Rollover", "IRR",
    ],
    "distribution": [
        "Withdrawal", "Withdrawals", "Distribution", "Distributions", "Hardship Withdrawal",
        "In-Service Withdrawal", "Partial Withdrawal", "Full Withdrawal",
    ],
    "rollover": ["Rollover Out", "Rollover Distribution", "Direct Rollover", "Rollover In", "Rollover",
                 "Rollover Contribution", "Incoming Rollover"],
    "loan": ["Loan Repayments", "Loan Repayment", "Loan Issue", "Loan", "Loan Withdrawal",
             "Loan Disbursement", "Loan Payment", "Loan Payments", "New Loan"],
    "skip": ["Balance Forward"],
    "signed": ["Other"],
})


def kind_action(word: str, extra: Mapping[str, str] | None = None) -> str | None:
    """The action for a transaction word: the mapping's own words first, then the built-in table."""
    key = norm(word)
    if extra:
        for k, v in extra.items():
            if norm(k) == key:
                return v
    return KIND_WORDS.get(key)


def source_for(name: str, plan: Plan | None, extra: Mapping[str, str] | None = None) -> str | None:
    """The ledger source of a money-source name: the mapping's, then the plan's names, then the table."""
    if name in PLAN_SOURCES:
        return name
    key = norm(name)
    for table in (extra or {}), (plan.source_names if plan else {}):
        if name in table:
            return table[name]
        for k, v in table.items():
            if norm(k) == key:
                return v
    if key in AMBIGUOUS_SOURCE_NAMES:
        return None
    return SOURCE_NAMES.get(key)


_GUESSES = (("roth", "roth"), ("after", "after_tax"), ("post", "after_tax"), ("voluntary", "after_tax"),
            ("415", "after_tax"), ("match", "match"), ("profit", "nonelective"),
            ("nonelective", "nonelective"), ("discretionary", "nonelective"), ("pre", "pretax"),
            ("before", "pretax"), ("deferr", "pretax"))


def guess_source(name: str) -> str | None:
    key = norm(name)
    if key in AMBIGUOUS_SOURCE_NAMES:
        return None
    return next((v for k, v in _GUESSES if k in key), None)


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unknown_sources_message(where: str, plan: Plan | None, unknown: Mapping[str, tuple[int, int]]) -> str:
    """The error for money-source names nobody maps, with the `source_names` line to put in mbr.toml.

    `unknown` maps each name to (rows, first line).
    """
    lines = [f"{where}: money-source name(s) that mbr_ledger cannot map to a ledger source:"]
    for name, (count, first) in unknown.items():
        hint = AMBIGUOUS_SOURCE_NAMES.get(norm(name))
        extra = f"; {hint}" if hint else ""
        lines.append(f"  {_toml_str(name)}: {count} row(s), first at line {first}{extra}")
    entries = dict(plan.source_names) if plan else {}
    for name in unknown:
        entries[name] = guess_source(name) or "CHOOSE"
    inline = "source_names = { " + ", ".join(f"{_toml_str(k)} = {_toml_str(v)}" for k, v in entries.items()) + " }"
    target = f'the [[plan]] with id = "{plan.id}"' if plan else "the plan's [[plan]] table"
    lines.append(f"Say which source each is: in mbr.toml, under {target}, write this line "
                 f"(each value one of {', '.join(PLAN_SOURCES)}; check the values filled in):")
    lines.append(f"  {inline}")
    return "\n".join(lines)
