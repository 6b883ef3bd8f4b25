"""`mbr audit`: the year-end limit audit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..book.results import AUDIT_DISCLAIMER, AuditResult
from ._common import YEAR, book_option, echo_json, format_option, open_the_book

if TYPE_CHECKING:
    from ..rules.findings import Finding

STATUS_ORDER = {"fail": 0, "warn": 1, "info": 2, "ok": 3}
DISCLAIMER = AUDIT_DISCLAIMER


def compact_rows(rows: list[str], limit: int = 6) -> str:
    """`a.csv:2-14,20; b.csv:3`: file:line references grouped by file, runs of lines as ranges."""
    by_file: dict[str, list[int]] = {}
    for r in rows:
        path, _, line = r.rpartition(":")
        if not path or not line.isdigit():
            by_file.setdefault(r, [])
            continue
        by_file.setdefault(path, []).append(int(line))
    parts = []
    for path, lines in by_file.items():
        if not lines:
            parts.append(path)
            continue
        nums = sorted(set(lines))
        runs: list[str] = []
        start = prev = nums[0]
        for n in nums[1:] + [None]:  # type: ignore[list-item]
            if n is not None and n == prev + 1:
                prev = n
                continue
            runs.append(str(start) if start == prev else f"{start}-{prev}")
            if n is not None:
                start = prev = n
        shown = runs[:limit] + ([f"... ({len(runs) - limit} more)"] if len(runs) > limit else [])
        parts.append(f"{path}:{','.join(shown)}")
    return "; ".join(parts)


def render_table(year: int, person: str | None, findings: list[Finding]) -> str:
    from ..core.money import fmt_table
    from ..render.terminal import status_word, table, wrap

    who = person or "everyone in the book"
    ordered = findings  # the checks' order (docs/rules.md section 2) reads best
    body = [[f.status.upper(), f.id, f.scope, fmt_table(f.amount), fmt_table(f.limit), fmt_table(f.excess)]
            for f in ordered]
    out = [table(["status", "check", "scope", "amount", "limit", "excess"], body,
                  right=[False, False, False, True, True, True], title=f"Audit {year}: {who}",
                  paint={0: status_word})]
    out.append("")
    out.append("Details")
    for f in sorted(ordered, key=lambda f: STATUS_ORDER.get(f.status, 9)):
        out.append("")
        out.append(f"{status_word(f'[{f.status.upper()}]')} {f.id} ({f.scope})")
        out.append(wrap(f.message, "  "))
        if f.fix:
            out.append(wrap(f"What to do: {f.fix}", "  "))
        if f.deadline:
            out.append(f"  By: {f.deadline.isoformat()}")
        if f.best_knowledge:
            out.append(wrap("(best knowledge: part of this rule is not settled in the sources)", "  "))
        if f.rows and f.status != "ok":
            out.append(wrap(f"Rows: {compact_rows(f.rows)}", "  "))
    out.append("")
    out.append(wrap(verdict(year, person, findings)))
    out.append(wrap(DISCLAIMER))
    return "\n".join(out)


def counts(findings: list[Finding]) -> dict[str, int]:
    return AuditResult(0, None, findings).counts()


def verdict(year: int, person: str | None, findings: list[Finding]) -> str:
    c = counts(findings)
    tally = ", ".join(f"{n} {s}" for s, n in c.items())
    if not findings:
        return f"Verdict {year}: nothing to audit (no ledger rows for the year)."
    if c["fail"]:
        return f"Verdict {year}: {c['fail']} check(s) FAIL, act before the deadlines above ({tally})."
    if c["warn"]:
        return f"Verdict {year}: no limit exceeded; {c['warn']} warning(s) to look at ({tally})."
    return f"Verdict {year}: all clear ({tally})."


@click.command()
@click.option("--year", type=YEAR, required=True, help="Tax year to audit, e.g. 2026.")
@click.option("--person", help="Only this person (default: everyone in the book).")
@format_option("table", "json")
@book_option
@click.pass_context
def audit(ctx: click.Context, year: int, person: str | None, fmt: str) -> None:
    """Audit a year's contributions against every limit, before the IRS or the plan does.

    Checks (each with its IRS source in docs/rules.md, section 2): 402g (deferrals across all employers), 415c (annual
    additions per employer group), catch_up_roth, comp_limit, plan_after_tax_cap,
    after_tax_unconverted, conversion_lag, deposit_match, w2_box12, ira_limit,
    backdoor_pro_rata and acp_risk. Each finding has the limit, the amount, the excess, the
    ledger rows behind it (file:line), what to do and by when.

    Exit code 1 when any check fails, 0 otherwise.

    \b
    Example:
      mbr audit --year 2026
      mbr audit --year 2026 --person alex --format json | jq '.checks[] | select(.status=="fail")'
    """
    with open_the_book(ctx) as book:
        result = book.audit(year, person)
    if fmt == "json":
        echo_json(result.to_dict())
    else:
        click.echo(render_table(year, result.person, result.findings))
    if result.exit_code:
        ctx.exit(result.exit_code)
