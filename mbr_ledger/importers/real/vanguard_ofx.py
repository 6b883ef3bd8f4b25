"""401(k) OFX/QFX statements, read with ofxtools; SGML (OFX 1.x) and XML (2.x): Vanguard's
(`OfxDownload.qfx`), and any other institution's (TIAA, ...) generic `INV401K` statement.

What becomes what:

- `BUYMF` (and other buys) with `INV401KSOURCE`: a contribution of `-TOTAL` to that source,
  unless sales of the same source on the same day pay for it (an exchange, left out).
- `REINVEST` / `INCOME`: earnings. `INVEXPENSE`: a fee.
- `TRANSFER` with memo `Investment Expense` (share-only, no dollar amount): a fee valued at
  units x unit price, rounded half-up to the cent. Other transfers net per day and source and are
  left out (Vanguard shows an automatic in-plan Roth conversion as a same-source OUT/IN pair,
  which OFX cannot label).
- Sales no purchase balances (withdrawals, loans, rollovers out look alike): left out, in the notes.
- A buy of the `ROLLOVER` source is money rolled in: not a contribution, left out and counted.
- A buy or sale with `LOANID` is a loan repayment (or a loan taken): not a contribution, left out
  and counted in the notes. A buy with `PRIORYEARCONTRIB` Y is a contribution for the year before
  its date (`for_year`).
- A file bigger than MAX_BYTES is refused before it is read.

`INV401KSOURCE` values map through the built-in table (PRETAX, AFTERTAX, MATCH, PROFITSHARING) and
the plan's `source_names`; ROLLOVER, OTHERVEST and OTHERNONVEST must be named there.
Trade dates are read as the file writes them (its own time zone), not converted to UTC.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from ...core.errors import InputProblem, MbrError
from ...core.money import CENT, round_cents
from ..base import Extracted, ImportContext, LeftOut, Sniff, left_out_group
from .common import EVENT_ROW_COLUMNS, fund_events, resolve_plan

TXN_TAGS = ("BUYDEBT", "BUYMF", "BUYOPT", "BUYOTHER", "BUYSTOCK", "CLOSUREOPT", "INCOME", "INVEXPENSE",
            "JRNLFUND", "JRNLSEC", "MARGININTEREST", "REINVEST", "RETOFCAP", "SELLDEBT", "SELLMF", "SELLOPT",
            "SELLOTHER", "SELLSTOCK", "SPLIT", "TRANSFER", "INVBANKTRAN")
_TXN_RE = re.compile(r"<(" + "|".join(TXN_TAGS) + r")>", re.IGNORECASE)
_EXPENSE_RE = re.compile(r"expense|fee", re.IGNORECASE)
# Years of a 401(k) download are well under 5 MB; ofxtools holds the whole parsed tree in memory
# (about 30 times the file), so a much bigger file is refused before it is read.
MAX_BYTES = 32 * 1024 * 1024
_DTD_RE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
ROW_COLUMNS = {**EVENT_ROW_COLUMNS, "for_year": pl.Int64}
# A purchase of the ROLLOVER source is money rolled in from another plan or IRA: not a contribution
# (neither an elective deferral nor, by IRC 415(c)(2), an annual addition).
ROLLED_IN = ("purchase(s) of the ROLLOVER source (money rolled in from another plan or IRA) left out: not "
             "contributions, not counted toward 402(g) or 415(c); after-tax basis it brought goes in an activity file")
# What makes an OFX investment statement a 401(k) statement: the specification's 401(k) aggregates.
_MARKER_RE = re.compile(r"<INV401K>|<INV401KBAL>|<INV401KSOURCE>")
_MARKER_BYTES_RE = re.compile(rb"<INV401K>|<INV401KBAL>|<INV401KSOURCE>", re.IGNORECASE)
_INVSTMTRS_RE = re.compile(rb"<INVSTMTRS>", re.IGNORECASE)


def _is_ofx(head: str) -> bool:
    return "OFXHEADER" in head[:2000].upper() or "<OFX>" in head.upper()


def _line_numbers(text: str) -> list[int]:
    """Physical line of each investment transaction's opening tag, in file order."""
    out: list[int] = []
    for block in re.finditer(r"<INVTRANLIST>(.*?)</INVTRANLIST>", text, re.IGNORECASE | re.DOTALL):
        for m in _TXN_RE.finditer(block.group(1)):
            out.append(text.count("\n", 0, block.start(1) + m.start()) + 1)
    return out


def _raw_date(elem: Any) -> dt.date | None:
    node = elem.find(".//DTTRADE")
    if node is None:
        node = elem.find(".//DTPOSTED")
    text = (node.text or "").strip() if node is not None else ""
    try:
        return dt.date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _text(v: Decimal) -> str:
    return format(v.normalize(), "f") if v == v.to_integral_value() else format(v, "f")


class VanguardOfx:
    name = "vanguard-ofx"
    title = "401(k) OFX/QFX download: Vanguard, TIAA, any OFX 401(k) statement"
    signature = "OFX/QFX (SGML or XML) with <INVSTMTRS> and <INV401K>, <INV401KBAL> or <INV401KSOURCE>"

    def identify(self, sniff: Sniff) -> bool:
        """An OFX investment statement of a 401(k): `<INV401K>`, `<INV401KBAL>` or `<INV401KSOURCE>` in
        it, from any institution (Vanguard, TIAA, ...). The markers may come after the first part
        the sniff holds (a 401(k) aggregate follows the transactions and positions): then the file,
        up to MAX_BYTES, is searched for them."""
        head = "\n".join(sniff.lines)
        if not _is_ofx(head):
            return False
        up = head.upper()
        if "<INVSTMTRS>" in up and _MARKER_RE.search(up):
            return True
        if len(sniff.head) < 65536 or "</INVSTMTRS>" in up:  # the whole statement was in the sniff
            return False
        try:
            if sniff.path.stat().st_size > MAX_BYTES:
                return False
            data = sniff.path.read_bytes()
        except OSError:
            return False
        return _INVSTMTRS_RE.search(data) is not None and _MARKER_BYTES_RE.search(data) is not None

    def extract(self, path: Path, ctx: ImportContext) -> Extracted:
        from ofxtools.Parser import OFXTree

        size = path.stat().st_size
        if size > MAX_BYTES:
            raise MbrError(f"{path}: {size:,} bytes is more than an OFX download may be ({MAX_BYTES:,} bytes); "
                           f"download a shorter date range")
        data = path.read_bytes()
        dtd = _DTD_RE.search(data)
        if dtd:
            at = data.count(b"\n", 0, dtd.start()) + 1
            raise MbrError(f"{path}:{at}: the file declares XML entities "
                           f"(<!DOCTYPE>); an OFX download never does, not read")
        tree = OFXTree()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree.parse(io.BytesIO(data))
                ofx = tree.convert()
        except Exception as exc:  # ofxtools raises many kinds of error for a bad file
            why = " ".join(str(exc).split())  # one line: some ofxtools messages quote the whole header
            why = why if len(why) <= 200 else why[:200] + "..."
            raise MbrError(f"{path}: not a readable OFX file ({type(exc).__name__}: {why})") from None
        text = data.decode("latin-1")
        root = tree.getroot()
        if root is None:  # pragma: no cover - parse() succeeded, so there is a root
            raise MbrError(f"{path}: an empty OFX file")
        names = {}
        for info in root.iter("SECINFO"):
            uid, secname = info.find("SECID/UNIQUEID"), info.find("SECNAME")
            if uid is not None and secname is not None:
                names[(uid.text or "").strip()] = (secname.text or "").strip()
        employer = root.find(".//INV401K/EMPLOYERNAME")
        acct = root.find(".//INVACCTFROM/ACCTID")
        hints = [(employer.text or "") if employer is not None else "", (acct.text or "") if acct is not None else ""]
        plan = resolve_plan(path, ctx, hints, said=f"employer name {hints[0]!r}, account {hints[1]}")
        raw_lists = root.findall(".//INVTRANLIST")
        raw_txns = [e for lst in raw_lists for e in lst if e.tag.upper() in TXN_TAGS]
        stmts = getattr(ofx, "invstmtmsgsrsv1", None) or []
        txns = [t for st in stmts for t in (st.invstmtrs.invtranlist or [])]
        if len(raw_txns) != len(txns):  # pragma: no cover - the converted and raw trees always agree
            raise MbrError(f"{path}: the OFX transactions could not be matched to the file's text")
        lines = _line_numbers(text)
        if len(lines) != len(txns):
            lines = [1] * len(txns)
        records, problems, notes, left = self._records(path, txns, raw_txns, lines, names)
        rows = pl.DataFrame(records, schema=ROW_COLUMNS) if records else pl.DataFrame(schema=ROW_COLUMNS)
        rows = rows.with_columns(pl.lit(plan.id, dtype=pl.String).alias("plan"))
        return fund_events(path, self.name, ctx, rows, problems=problems, has_source_column=True,
                           word_column="OFX", source_column="INV401KSOURCE", notes=notes, left_out=left,
                           read=len(txns))

    def _records(self, path: Path, txns: list[Any], raw_txns: list[Any], lines: list[int], names: dict[str, str]
                 ) -> tuple[list[dict[str, Any]], list[InputProblem], list[str], list[LeftOut]]:
        problems: list[InputProblem] = []
        notes: list[str] = []
        items = []
        for t, raw, line in zip(txns, raw_txns, lines, strict=True):
            tag = type(t).__name__
            date = _raw_date(raw)
            if date is None:
                problems.append(InputProblem(str(path), line, "no trade date", tag))
                continue
            secid = getattr(t, "secid", None)
            uid = secid.uniqueid if secid is not None else None
            items.append({"tag": tag, "t": t, "date": date, "line": line, "uid": uid,
                          "fund": names.get(uid or "", uid), "source_name": getattr(t, "inv401ksource", None)})

        def cents(v: Decimal | None, item: dict[str, Any]) -> int | None:
            if v is None or v != v.quantize(CENT):
                problems.append(InputProblem(str(path), item["line"], f"amount {v} is not a whole number of cents",
                                             item["tag"]))
                return None
            return int(v.quantize(CENT) * 100)

        records: list[dict[str, Any]] = []

        def add(item: dict[str, Any], word: str, amount: int, shares: Decimal | None) -> None:
            prior = word == "Contribution" and getattr(item["t"], "prioryearcontrib", None) is True
            records.append({"date": item["date"], "word": word, "fund": item["fund"],
                            "source_name": item["source_name"], "amount": amount,
                            "shares": _text(shares) if shares is not None else None, "plan": None,
                            "for_year": item["date"].year - 1 if prior else None, "source_line": item["line"]})

        trades: dict[tuple[dt.date, str | None], list[tuple[dict[str, Any], int]]] = {}
        income = set()
        for it in items:
            if it["tag"] == "INCOME":
                income.add((it["date"], it["uid"], it["source_name"], abs(it["t"].total)))
        skipped: dict[str, list[int]] = {}
        loans: dict[str, list[tuple[int, int]]] = {}
        for it in items:
            t, tag = it["t"], it["tag"]
            if tag.startswith(("BUY", "SELL")) and getattr(t, "loanid", None):
                c = cents(-t.total, it)
                what = f"loan repayment ({tag} with LOANID)" if tag.startswith("BUY") else \
                    f"loan taken ({tag} with LOANID)"
                loans.setdefault(what, []).append((it["line"], c or 0))
            elif tag.startswith(("BUY", "SELL")):
                c = cents(-t.total, it)
                if c is not None:
                    trades.setdefault((it["date"], it["source_name"]), []).append((it, c))
            elif tag == "REINVEST":
                if (it["date"], it["uid"], it["source_name"], abs(t.total)) in income:
                    skipped.setdefault("REINVEST of an INCOME already counted", []).append(it["line"])
                    continue
                c = cents(abs(t.total), it)
                if c is not None:
                    add(it, "Dividend", c, t.units)
            elif tag == "INCOME":
                c = cents(t.total, it)
                if c is not None:
                    add(it, "Dividend" if t.incometype == "DIV" else "Interest", c, None)
            elif tag == "INVEXPENSE":
                c = cents(-abs(t.total), it)
                if c is not None:
                    add(it, "Fee", c, None)
            elif tag == "TRANSFER":
                if t.unitprice is None:
                    problems.append(InputProblem(str(path), it["line"], "a transfer without UNITPRICE", tag))
                    continue
                value = int(round_cents(t.units * t.unitprice) * 100)
                memo = t.invtran.memo or ""
                if t.tferaction == "OUT" and _EXPENSE_RE.search(memo):
                    add(it, "Investment Expense", -abs(value), t.units)
                else:
                    add(it, "Transfer", value, t.units)
            elif tag == "SPLIT":
                skipped.setdefault("SPLIT", []).append(it["line"])
            else:
                problems.append(InputProblem(str(path), it["line"], f"OFX transaction {tag} is not read by this "
                                             f"format; enter it in an activity file", tag))
        for (date, source), group in trades.items():
            buys = sum(c for _, c in group if c > 0)
            sells = sum(c for _, c in group if c < 0)
            if sells == 0 and str(source or "").upper() == "ROLLOVER":
                skipped.setdefault(ROLLED_IN, []).extend(it["line"] for it, _ in group)
            elif sells == 0:
                for it, c in group:
                    add(it, "Contribution", c, it["t"].units)
            elif buys + sells == 0:
                for it, c in group:
                    add(it, "Exchange", c, it["t"].units)
            elif buys == 0:
                skipped.setdefault("sale with no purchase (withdrawal, loan or rollover out; enter it in an "
                                   "activity file)", []).extend(it["line"] for it, _ in group)
            else:
                first = min(it["line"] for it, _ in group)
                problems.append(InputProblem(str(path), first, f"purchases ({buys / 100:.2f}) and sales "
                                             f"({-sells / 100:.2f}) of {date} do not balance: contributions and "
                                             f"exchanges on one day cannot be told apart", "BUYMF"))
        # transfers between funds valued from units x price may miss each other by a cent per row
        recs = pl.DataFrame(records, schema=ROW_COLUMNS) if records else pl.DataFrame(schema=ROW_COLUMNS)
        tr = recs.filter(pl.col("word") == "Transfer")
        if tr.height:
            nets = tr.group_by("date", "source_name").agg(pl.col("amount").cast(pl.Int128).sum().alias("net"), pl.len().alias("n"))
            near = nets.filter((pl.col("net") != 0) & (pl.col("net").abs() <= pl.col("n")))
            for date, src, net, _n in near.iter_rows():
                idx = next(i for i, r in enumerate(records) if r["word"] == "Transfer" and r["date"] == date
                           and r["source_name"] == src)
                records[idx]["amount"] -= net
                notes.append(f"{date}: transfers of {src} valued from units x price differ by {net / 100:.2f}; "
                             f"read as an exchange between funds")
        left: list[LeftOut] = []
        if loans:
            parts = ", ".join(f"{what} x{len(v)}, {abs(sum(c for _, c in v)) / 100:.2f}, first at line "
                              f"{min(ln for ln, _ in v)}" for what, v in sorted(loans.items()))
            left.append(left_out_group(f"loan row(s): not contributions, not imported ({parts})",
                                       [ln for v in loans.values() for ln, _ in v]))
            notes.append(left[-1].note())
        for what, at in skipped.items():
            left.append(left_out_group(f"{what} left out", at))
            notes.append(left[-1].note())
        return records, problems, notes, left


VANGUARD_OFX = VanguardOfx()
