"""`make bench`: speed and memory of mbr on a generated 1,000,000-row book.

Generates its own data under bench/out/ (payroll, activity, W-2 and 1099-R rows for many
persons, plans and years; the activity file alone has 1,000,000 rows), then measures every
figure against a baseline taken in the same run and prints one table:

    measure | value | target | ratio | result

Each command runs as its own process (the installed `mbr` of this interpreter). Times are
wall-clock (time.perf_counter), the median of `--repeat` runs; the import and its baseline
alternate, so that load on the machine weighs on both alike. Peak memory is the child's ru_maxrss from os.wait4 (the
per-child form of resource.getrusage(RUSAGE_CHILDREN)). Commands that do not exist yet are
reported as "not available" rather than failing the run.

    .venv/bin/python bench/run.py [--rows N] [--year Y] [--repeat N] [--json FILE] [--strict]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
BIN = Path(sys.executable).parent
MBR = [str(BIN / "mbr")] if (BIN / "mbr").exists() else [sys.executable, "-m", "mbr_ledger.cli"]

FIRST_YEAR = 2015
LAST_YEAR = 2026
FUNDS = ("Target 2045", "S&P 500 Index", "Bond Index")
PLAN_SOURCES = ("pretax", "roth", "match", "after_tax")


# ------------------------------------------------------------------ data

def _business_days(year: int) -> list[dt.date]:
    d, out = dt.date(year, 1, 1), []
    while d.year == year:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def _cents(c: int) -> str:
    sign = "-" if c < 0 else ""
    c = abs(c)
    return f"{sign}{c // 100}.{c % 100:02d}"


@dataclass
class Book:
    persons: list[str] = field(default_factory=list)
    activity_rows: int = 0
    payroll_rows: int = 0


def _person_rows(pid: str, rng: random.Random, pay: list[str], w2: list[str], f1099: list[str]):
    """Every activity row of one person, year by year: two plans at two employers and an IRA pair."""
    plans = [f"{pid}-acme", f"{pid}-beta"]
    trad, roth = f"{pid}-trad", f"{pid}-roth"
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        days = _business_days(year)
        paydays = days[4::10][:26]
        # IRA pair: January backdoor Roth.
        c = 700_000
        yield f"{year}-01-15,{pid},{trad},contribution,nondeductible,{_cents(c)},,,,{year},backdoor {year}"
        yield f"{year}-01-17,{pid},{trad},earnings,,0.42,,,,,money market dividend"
        yield f"{year}-01-22,{pid},{trad},conversion,,{_cents(c + 42)},,,,,\"conversion to {roth}, full\""
        yield f"{year}-12-31,{pid},{trad},balance,,0.00,,,,,year-end value"
        f1099.append(f"{year},{pid},{trad},{_cents(c + 42)},{_cents(c + 42)},0.00,2,true,true,{pid}-{year}-ira")
        for k, plan in enumerate(plans):
            gross = 700_000 + 10_000 * k
            pre, rth, at, match = 80_000, 20_000, 60_000, 28_000
            box3 = 0
            totals = {"pretax": 0, "roth": 0, "after_tax": 0, "match": 0}
            converted = 0
            for d in paydays:
                box3 += gross
                pay.append(f"{d.isoformat()},{pid},{plan},{_cents(gross)},{_cents(gross)},{_cents(gross)},"
                           f"{_cents(pre)},{_cents(rth)},{_cents(at)},{_cents(match)}")
                dep = d + dt.timedelta(days=2)
                for src, amt in (("pretax", pre), ("roth", rth), ("match", match), ("after_tax", at)):
                    totals[src] += amt
                    yield f"{dep.isoformat()},{pid},{plan},contribution,{src},{_cents(amt)},,,,,payroll {d.isoformat()}"
                earned = rng.randint(0, 900)
                conv = dep + dt.timedelta(days=1)
                converted += at + earned
                yield (f"{conv.isoformat()},{pid},{plan},conversion,after_tax,{_cents(at + earned)},{_cents(at)},"
                       f"{_cents(earned)},,,in-plan Roth rollover")
            for month in range(1, 13):
                yield f"{year}-{month:02d}-28,{pid},{plan},fee,pretax,{_cents(rng.randint(100, 900))},,,,,recordkeeping fee"
            for d in days:
                for src in PLAN_SOURCES:
                    for fund in FUNDS:
                        amt = rng.randint(-40_000, 60_000)
                        memo = f"\"{fund}, dividends\"" if amt % 7 == 0 else fund
                        yield f"{d.isoformat()},{pid},{plan},earnings,{src},{_cents(amt)},,,,,{memo}"
            yield f"{year}-12-31,{pid},{plan},balance,,{_cents(rng.randint(1_000_000, 90_000_000))},,,,,year-end value"
            w2.append(f"{year},{pid},{plan},{_cents(26 * (gross - pre))},{_cents(box3)},{_cents(totals['pretax'])},"
                      f"{_cents(totals['roth'])}")
            f1099.append(f"{year},{pid},{plan},{_cents(converted)},{_cents(converted - totals['after_tax'])},"
                         f"{_cents(totals['after_tax'])},G,,,{plan}-{year}")


def generate(out: Path, rows: int, seed: int = 2026) -> Book:
    """Write mbr.toml, activity.csv (exactly `rows` rows), payroll.csv, w2.csv and 1099r.csv."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    book = Book()
    pay: list[str] = []
    w2: list[str] = []
    f1099: list[str] = []
    with (out / "activity.csv").open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo\n")
        n = 0
        while n < rows:
            pid = f"p{len(book.persons) + 1:02d}"
            book.persons.append(pid)
            buf = []
            for line in _person_rows(pid, rng, pay, w2, f1099):
                buf.append(line)
                n += 1
                if n >= rows:
                    break
            fh.write("\n".join(buf) + "\n")
    book.activity_rows = n
    book.payroll_rows = len(pay)
    (out / "payroll.csv").write_text(
        "pay_date,person,plan,gross_pay,plan_compensation,fica_wages,pretax_401k,roth_401k,after_tax_401k,"
        "employer_match\n" + "\n".join(pay) + "\n", encoding="utf-8")
    (out / "w2.csv").write_text("tax_year,person,plan,box1,box3,box12_d,box12_aa\n" + "\n".join(w2) + "\n",
                                encoding="utf-8")
    (out / "1099r.csv").write_text(
        "tax_year,person,payer_account,box1,box2a,box5,box7,box2b_not_determined,ira_sep_simple,form_id\n"
        + "\n".join(f1099) + "\n", encoding="utf-8")
    toml = []
    for pid in book.persons:
        toml += [f'[[person]]\nid = "{pid}"\nborn = "1975-03-10"\nfiling_status = "mfj"\nmarginal_rate = "0.32"\n',
                 f'[[plan]]\nid = "{pid}-acme"\nperson = "{pid}"\nemployer = "Acme {pid}"\n'
                 f'after_tax_cap_pct = "20"\nconversion = "in_plan_auto"\n',
                 f'[[plan]]\nid = "{pid}-beta"\nperson = "{pid}"\nemployer = "Beta {pid}"\n'
                 f'after_tax_cap_pct = "20"\nconversion = "in_plan_auto"\n',
                 f'[[ira]]\nid = "{pid}-trad"\nperson = "{pid}"\ntype = "traditional"\n',
                 f'[[ira]]\nid = "{pid}-roth"\nperson = "{pid}"\ntype = "roth"\n']
    (out / "mbr.toml").write_text("\n".join(toml), encoding="utf-8")
    (out / "stamp.json").write_text(json.dumps({"rows": rows, "seed": seed, "persons": book.persons,
                                                "payroll_rows": book.payroll_rows}))
    return book


SOLO = "solo"


def solo_activity(path: Path, rows: int, year: int = LAST_YEAR) -> None:
    """One person, one plan, one year: `rows` rows of after-tax and pre-tax money interleaved over the
    business days: each day many after-tax and pre-tax deposits with their earnings and fees, then
    in-plan Roth rollovers of the after-tax source, every other day one of all of it, on the days
    between one per four deposits of part of it (pro rata)."""
    days = _business_days(year)
    per_day = max(1, rows // (5 * len(days)))
    value = 0  # the after-tax source, cents
    out = ["date,person,account,kind,source,amount,basis,taxable,destination,for_year,memo"]
    plan = f"{SOLO}-acme"
    i = 0
    while len(out) <= rows:
        n = len(out) // (5 * per_day + 1)
        d = days[n % len(days)].isoformat()
        for _ in range(per_day):
            at, pre = 10_000 + 100 * (i % 7), 20_000
            earned, pre_earned = (i * 37) % 400 - 150, (i * 53) % 600 - 250
            value += at + earned
            out += [f"{d},{SOLO},{plan},contribution,after_tax,{_cents(at)},,,,,payroll",
                    f"{d},{SOLO},{plan},contribution,pretax,{_cents(pre)},,,,,payroll",
                    f"{d},{SOLO},{plan},earnings,after_tax,{_cents(earned)},,,,,Target 2045",
                    f"{d},{SOLO},{plan},earnings,pretax,{_cents(pre_earned)},,,,,Target 2045",
                    f"{d},{SOLO},{plan},fee,pretax,{_cents(1 + i % 9)},,,,,recordkeeping fee"]
            i += 1
        if n % 2:
            out.append(f"{d},{SOLO},{plan},conversion,after_tax,{_cents(value)},,,,,in-plan Roth rollover")
            value = 0
        else:
            for _ in range(per_day // 4):
                value -= 20_000
                out.append(f"{d},{SOLO},{plan},conversion,after_tax,200.00,,,,,in-plan Roth rollover")
    path.write_text("\n".join(out[:rows + 1]) + "\n", encoding="utf-8")


SOLO_PROFILE = f"""[[person]]
id = "{SOLO}"
born = "1980-05-01"
marginal_rate = "0.32"

[[plan]]
id = "{SOLO}-acme"
person = "{SOLO}"
employer = "Acme {SOLO}"
conversion = "in_plan_auto"
"""


def data(out: Path, rows: int) -> Book:
    """Reuse the generated files when they match `rows`, else generate them again."""
    stamp = out / "stamp.json"
    if stamp.exists():
        s = json.loads(stamp.read_text())
        if s.get("rows") == rows and all((out / f).exists() for f in ("activity.csv", "payroll.csv", "mbr.toml")):
            return Book(s["persons"], rows, s["payroll_rows"])
    return generate(out, rows)


# ------------------------------------------------------------------ measuring

@dataclass
class Run:
    seconds: float
    max_rss: int  # bytes
    rc: int
    out: str
    err: str
    # Linux, with `sample=True`: the largest anonymous and file-backed parts of the resident set
    # seen (read from /proc every 10 ms, so a peak between two reads can be missed), in bytes.
    anon: int | None = None
    file: int | None = None


def _parts(pid: int) -> tuple[int, int] | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    got = {k: int(v.split()[0]) * 1024 for k, _, v in (ln.partition(":") for ln in text.splitlines())
           if k in ("RssAnon", "RssFile")}
    return (got["RssAnon"], got["RssFile"]) if len(got) == 2 else None


def run_rusage(cmd: list[str], env: dict[str, str] | None = None, sample: bool = False) -> Run:
    """Run `cmd` alone: its wall time and its own peak resident memory (reaped with os.wait4)."""
    with open(os.devnull, "rb") as devnull, open(OUT / ".stdout", "wb") as so, open(OUT / ".stderr", "wb") as se:
        t0 = time.perf_counter()
        pid = os.posix_spawn(cmd[0], cmd, {**os.environ, **(env or {})}, file_actions=[
            (os.POSIX_SPAWN_DUP2, devnull.fileno(), 0), (os.POSIX_SPAWN_DUP2, so.fileno(), 1),
            (os.POSIX_SPAWN_DUP2, se.fileno(), 2)])
        anon = file = None
        while sample:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                break
            parts = _parts(pid)
            if parts:
                anon, file = max(anon or 0, parts[0]), max(file or 0, parts[1])
            time.sleep(0.01)
        else:
            _, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    return Run(elapsed, usage.ru_maxrss * 1024, rc, (OUT / ".stdout").read_text("utf-8", "replace"),
               (OUT / ".stderr").read_text("utf-8", "replace"), anon, file)


def best_of(cmd: list[str], n: int) -> float:
    return statistics.median(run_rusage(cmd).seconds for _ in range(n))


def timed(cmd: list[str], repeat: int, env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Median wall time of `repeat` runs, the last exit code and the last line of its stderr."""
    times, last = [], None
    for _ in range(max(1, repeat)):
        last = run_rusage(cmd, env)
        times.append(last.seconds)
    assert last is not None
    err = (last.err.strip().splitlines() or [""])[-1][:200]
    return statistics.median(times), last.rc, err


def available(*words: str) -> bool:
    """Is `mbr WORDS...` a command of this install (its --help exits 0)?"""
    return run_rusage([*MBR, *words, "--help"]).rc == 0


@dataclass
class Row:
    measure: str
    value: str
    target: str
    ratio: float | None
    limit: float | None
    note: str = ""

    @property
    def result(self) -> str:
        if self.ratio is None or self.limit is None:
            return self.note or "-"
        return "pass" if self.ratio <= self.limit else "FAIL"


def fmt_table(rows: list[Row]) -> str:
    head = ["measure", "value", "target", "ratio", "result"]
    body = [[r.measure, r.value, r.target, "" if r.ratio is None else f"{r.ratio:.2f}", r.result] for r in rows]
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths]), *(line(b) for b in body)])


def machine() -> dict[str, str]:
    mem = ""
    try:
        mem = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.splitlines()[1]
        mem = " ".join(mem.split()[:2])
    except (OSError, IndexError):
        pass
    cpu = ""
    try:
        cpu = next(ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                   if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import sqlite3

    import polars

    return {"nproc": str(os.cpu_count()), "cpu": cpu, "memory": mem, "python": platform.python_version(),
            "polars": polars.__version__, "sqlite": sqlite3.sqlite_version, "os": platform.platform()}


# ------------------------------------------------------------------ the benchmark

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="activity rows (default 1,000,000)")
    ap.add_argument("--year", type=int, default=LAST_YEAR, help="year for audit, worksheets and report")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each command and baseline (median)")
    ap.add_argument("--json", type=Path, default=OUT / "results.json", help="where to write the figures")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--no-scaling", action="store_true", help="leave out the one-person 100k/200k/400k reports")
    args = ap.parse_args(argv)

    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    book = data(OUT, args.rows)
    activity = OUT / "activity.csv"
    size = activity.stat().st_size
    print(f"data: {book.activity_rows:,} activity rows ({size / 1e6:.1f} MB), {book.payroll_rows:,} payroll rows, "
          f"{len(book.persons)} persons, {FIRST_YEAR}-{LAST_YEAR} ({time.perf_counter() - t0:.1f} s)", flush=True)
    rows: list[Row] = []

    # 1. import against a bare polars.read_csv of the same file: the two alternate, `--repeat` times
    #    each (the import into a fresh book every time), and the medians are compared, so that a
    #    moment of load on the machine weighs the same on both
    bookdir = OUT / "book"
    bases, imps = [], []
    for _ in range(max(1, args.repeat)):
        bases.append(run_rusage([sys.executable, "-c", "import sys, polars; polars.read_csv(sys.argv[1])",
                                 str(activity)]).seconds)
        shutil.rmtree(bookdir, ignore_errors=True)
        r = run_rusage([*MBR, "init", str(bookdir), "--profile", str(OUT / "mbr.toml")])
        if r.rc != 0:
            print(r.err, file=sys.stderr)
            return 2
        imp = run_rusage([*MBR, "--book", str(bookdir), "import", str(activity)], sample=True)
        if imp.rc != 0:
            print(f"mbr import failed (exit {imp.rc}):\n{imp.err[-3000:]}", file=sys.stderr)
            return 2
        imps.append(imp)
    base = statistics.median(bases)
    imp_seconds = statistics.median(i.seconds for i in imps)
    imp_rss = max(i.max_rss for i in imps)
    anons = [i.anon for i in imps if i.anon is not None]
    files = [i.file for i in imps if i.file is not None]
    n = f"{book.activity_rows:,}-row"
    rows.append(Row(f"polars.read_csv, {n} activity file", f"{base:.2f} s", "baseline", None, None, "-"))
    rows.append(Row(f"mbr import, {n} activity file", f"{imp_seconds:.2f} s", "<= 3x read_csv",
                    imp_seconds / base, 3.0))
    rows.append(Row("peak memory of that import (the most of its runs)",
                    f"{imp_rss / 1e6:.0f} MB (file {size / 1e6:.0f} MB)", "<= 3x file size", imp_rss / size, 3.0))
    if anons and files:
        # Of the resident set, the file-backed part is mostly Polars' library (a 178 MB file) as far
        # as its pages are mapped, which depends on how the page cache holds that file: 50-90 MB.
        rows.append(Row("  of which anonymous / file-backed (most seen)",
                        f"{max(anons) / 1e6:.0f} MB / {max(files) / 1e6:.0f} MB", "", None, None, "-"))
    ledger_mb = (bookdir / "ledger.sqlite").stat().st_size / 1e6
    rows.append(Row("ledger file after that import", f"{ledger_mb:.1f} MB", "", None, None, "-"))
    again = run_rusage([*MBR, "--book", str(bookdir), "import", str(activity)])
    rows.append(Row("mbr import of the same file again (adds 0)", f"{again.seconds:.2f} s", "", None, None,
                    "ok" if again.rc == 0 else f"exit {again.rc}"))
    others = [str(OUT / n) for n in ("payroll.csv", "w2.csv", "1099r.csv")]
    rest = run_rusage([*MBR, "--book", str(bookdir), "import", *others])
    rows.append(Row(f"mbr import payroll, w2, 1099r ({book.payroll_rows:,} payroll rows)", f"{rest.seconds:.2f} s",
                    "", None, None, "ok" if rest.rc == 0 else f"exit {rest.rc}"))
    print(f"imported ({imp_seconds:.1f} s)", flush=True)

    # 2. audit and both worksheets on the 1M-row book (every person, as `mbr audit --year Y` runs by
    #    default, and one person); the report packet of one person for one year
    y = str(args.year)
    person = book.persons[0]
    book_args = [*MBR, "--book", str(bookdir)]
    steps = [("audit", ["audit", "--year", y]), ("worksheet 1099r", ["worksheet", "1099r", "--year", y]),
             ("worksheet 8606", ["worksheet", "8606", "--year", y])]
    for who, extra in ((f"all {len(book.persons)} persons", []), (f"one person ({person})", ["--person", person])):
        together, missing = 0.0, []
        for label, words in steps:
            name = f"mbr {label} --year {y}" + (f" --person {person}" if extra else "")
            if not available(*words[: 2 if words[0] == "worksheet" else 1]):
                missing.append(label)
                rows.append(Row(name, "not available", "", None, None, "n/a"))
                continue
            t, rc, err = timed([*book_args, *words, *extra], args.repeat)
            together += t
            rows.append(Row(name, f"{t:.2f} s", "", None, None,
                            f"exit {rc}" if rc in (0, 1) else f"ERROR exit {rc}: {err}"))
        rows.append(Row(f"audit + both worksheets, {who}", f"{together:.2f} s", "< 2 s",
                        None if missing else together / 2.0, None if missing else 1.0,
                        f"{', '.join(missing)} not available" if missing else ""))

    if available("report"):
        rep_dir = OUT / "report"
        shutil.rmtree(rep_dir, ignore_errors=True)
        t, rc, err = timed([*book_args, "report", "--year", y, "--person", person, "--out", str(rep_dir)], 1)
        ok = rc in (0, 1)
        rows.append(Row(f"mbr report --year {y} --person {person}", f"{t:.2f} s" if ok else f"exit {rc}", "< 3 s",
                        t / 3.0 if ok else None, 1.0 if ok else None, "" if ok else f"ERROR: {err}"))
    else:
        rows.append(Row(f"mbr report --year {y}", "not available", "< 3 s", None, None, "n/a"))

    # 3. one person with many interleaved after-tax and pre-tax rows in one year: `mbr report` at
    #    100k, 200k and 400k rows, each doubling at most 2.2x the time, the largest under 15 s
    if available("report") and not args.no_scaling:
        times: list[float] = []
        sizes = (100_000, 200_000, 400_000)
        for n in sizes:
            sdir = OUT / f"solo-{n}"
            activity_n = sdir / "activity.csv"
            if not activity_n.exists():
                sdir.mkdir(parents=True, exist_ok=True)
                solo_activity(activity_n, n)
            (sdir / "mbr.toml").write_text(SOLO_PROFILE, encoding="utf-8")
            sbook = sdir / "book"
            shutil.rmtree(sbook, ignore_errors=True)
            for cmd in ([*MBR, "init", str(sbook), "--profile", str(sdir / "mbr.toml")],
                        [*MBR, "--book", str(sbook), "import", str(activity_n)]):
                r = run_rusage(cmd)
                if r.rc != 0:
                    print(f"{' '.join(cmd)} failed (exit {r.rc}):\n{r.err[-2000:]}", file=sys.stderr)
                    return 2
            t, rc, err = timed([*MBR, "--book", str(sbook), "report", "--year", str(LAST_YEAR), "--person", SOLO,
                                "--out", str(sdir / "report")], max(1, args.repeat // 2))
            if rc not in (0, 1):
                rows.append(Row(f"mbr report, one person, {n:,} rows", f"exit {rc}", "", None, None, f"ERROR: {err}"))
                break
            times.append(t)
            ratio = t / times[-2] if len(times) > 1 else None
            rows.append(Row(f"mbr report, one person, {n:,} interleaved rows", f"{t:.2f} s",
                            "< 15 s" if n == sizes[-1] else "", t / 15.0 if n == sizes[-1] else None,
                            1.0 if n == sizes[-1] else None, "" if n == sizes[-1] else "-"))
            if ratio is not None:
                rows.append(Row(f"  time ratio {n // 2:,} -> {n:,} rows", f"{ratio:.2f}x", "<= 2.2x",
                                ratio / 2.2, 1.0))
        print("scaling measured", flush=True)

    # 4. start-up
    click_t = best_of([sys.executable, "-c", "import click"], 15)
    help_t = best_of([*MBR, "--help"], 15)
    rows.append(Row('python -c "import click"', f"{click_t * 1000:.0f} ms", "baseline", None, None, "-"))
    rows.append(Row("mbr --help", f"{help_t * 1000:.0f} ms", "<= 1.5x import click", help_t / click_t, 1.5))

    print()
    print(fmt_table(rows))
    mach = machine()
    print()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in mach.items()))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "date": dt.date.today().isoformat(), "machine": mach, "activity_rows": book.activity_rows,
        "activity_bytes": size, "payroll_rows": book.payroll_rows, "persons": len(book.persons),
        "rows": [{"measure": r.measure, "value": r.value, "target": r.target, "ratio": r.ratio, "result": r.result}
                 for r in rows]}, indent=2))
    return 1 if args.strict and any(r.result == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
