"""Form lines as data: a tiny expression language, one evaluator (Decimal) and one Excel translator.

An expression names other lines (`L3`, `L15a`), lines of another form (`F8606.L15c`) or a column
of one of the worksheet's grids (`expected.box1`), with numbers, "text" (SUMIFS criteria),
+ - * /, parentheses and MIN, MAX, ROUND(x, places), RATIO(a, b, places), SUM and SUMIFS. A blank
line counts as 0, as an empty cell does in Excel, so the worksheet and the workbook agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .errors import MbrError

Scalar = Decimal | str | bool | int | None
Resolved = Scalar | Sequence[Scalar]
# Grid cells holding a bool are shown as these words (and SUMIFS criteria compare against them).
BOOL_TEXT = {True: "yes", False: "no"}
FUNCTIONS = ("MIN", "MAX", "ROUND", "RATIO", "SUM", "SUMIFS")
_TOKEN = re.compile(r'\s*(?:(\d+(?:\.\d+)?)|"([^"]*)"|([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)|(\S))')
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


@dataclass(frozen=True)
class Num:
    text: str


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Neg:
    arg: Node


@dataclass(frozen=True)
class Bin:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    fn: str
    args: tuple[Node, ...]


Node = Num | Text | Ref | Neg | Bin | Call


# ---------------------------------------------------------------- parsing


def parse(expr: str) -> Node:
    """The tree of `expr`; an MbrError names what cannot be read."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(expr.rstrip()):
        m = _TOKEN.match(expr, pos)
        if m is None:
            raise MbrError(f"formula {expr!r}: cannot read it at {pos}")
        num, text, name, op = m.groups()
        tokens.append(("num", num) if num is not None else ("text", text) if text is not None
                      else ("name", name) if name is not None else ("op", op))
        pos = m.end()
    p = _Parser(expr, tokens)
    node = p.expr()
    if p.i != len(tokens):
        raise MbrError(f"formula {expr!r}: unexpected {tokens[p.i][1]!r}")
    return node


class _Parser:
    def __init__(self, expr: str, tokens: list[tuple[str, str]]):
        self.src, self.tokens, self.i = expr, tokens, 0

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "")

    def _take(self, value: str) -> None:
        if self._peek() != ("op", value):
            raise MbrError(f"formula {self.src!r}: expected {value!r}")
        self.i += 1

    def expr(self) -> Node:
        node = self.term()
        while self._peek() in (("op", "+"), ("op", "-")):
            op = self._peek()[1]
            self.i += 1
            node = Bin(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.factor()
        while self._peek() in (("op", "*"), ("op", "/")):
            op = self._peek()[1]
            self.i += 1
            node = Bin(op, node, self.factor())
        return node

    def factor(self) -> Node:
        kind, value = self._peek()
        self.i += 1
        if (kind, value) == ("op", "-"):
            return Neg(self.factor())
        if (kind, value) == ("op", "("):
            node = self.expr()
            self._take(")")
            return node
        if kind == "num":
            return Num(value)
        if kind == "text":
            return Text(value)
        if kind == "name" and self._peek() == ("op", "("):
            if value not in FUNCTIONS:
                raise MbrError(f"formula {self.src!r}: unknown function {value}")
            self.i += 1
            args = [self.expr()]
            while self._peek() == ("op", ","):
                self.i += 1
                args.append(self.expr())
            self._take(")")
            return Call(value, tuple(args))
        if kind == "name":
            return Ref(value)
        raise MbrError(f"formula {self.src!r}: unexpected {value or 'end'!r}")


def refs(node: Node) -> list[str]:
    """The names an expression reads, in order of first appearance."""
    out: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Ref) and n.name not in out:
            out.append(n.name)
        elif isinstance(n, Neg):
            walk(n.arg)
        elif isinstance(n, Bin):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, Call):
            for a in n.args:
                walk(a)

    walk(node)
    return out


# ---------------------------------------------------------------- evaluating


def number(value: Scalar) -> Decimal:
    """A cell's value in arithmetic: blank and text are 0, a number as text ("0.99649") its number."""
    if isinstance(value, bool) or value is None:
        return Decimal(0)
    if isinstance(value, Decimal | int):
        return Decimal(value)
    return Decimal(value) if _NUMBER.fullmatch(value.strip()) else Decimal(0)


def ratio(a: Decimal, b: Decimal, places: int) -> Decimal:
    """a / b rounded half-up to `places`, at most 1; 1 when b is 0 or less (Form 8606 line 10)."""
    if b <= 0 or a >= b:
        return Decimal(1)
    return min(Decimal(1), (a / b).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _cell_text(value: Scalar) -> str:
    if isinstance(value, bool):
        return BOOL_TEXT[value]
    return "" if value is None else str(value)


def _matches(value: Scalar, criterion: str) -> bool:
    """A SUMIFS criterion as Excel reads text ones: "x" equal, "<>x" not equal, case-insensitive."""
    text = _cell_text(value).casefold()
    if criterion.startswith("<>"):
        return text != criterion[2:].casefold()
    return text == criterion.removeprefix("=").casefold()


def evaluate(node: Node, resolve: Callable[[str], Resolved]) -> Decimal:
    """The value of `node`, reading names through `resolve` (a line's value, or a grid column's values)."""

    def scalar(n: Node) -> Decimal:
        got = ev(n)
        if isinstance(got, list):
            raise MbrError(f"a range ({n}) where a number is needed")
        return got

    def ev(n: Node) -> Decimal | list[Scalar]:
        if isinstance(n, Num):
            return Decimal(n.text)
        if isinstance(n, Text):
            raise MbrError(f"text {n.text!r} where a number is needed")
        if isinstance(n, Ref):
            v = resolve(n.name)
            return list(v) if isinstance(v, list | tuple) else number(v)  # type: ignore[arg-type]
        if isinstance(n, Neg):
            return -scalar(n.arg)
        if isinstance(n, Bin):
            a, b = scalar(n.left), scalar(n.right)
            return a + b if n.op == "+" else a - b if n.op == "-" else a * b if n.op == "*" else a / b
        return call(n)

    def call(n: Call) -> Decimal:
        if n.fn in ("MIN", "MAX"):
            vals = [scalar(a) for a in n.args]
            return min(vals) if n.fn == "MIN" else max(vals)
        if n.fn == "ROUND":
            x, places = (scalar(a) for a in n.args)
            return x.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
        if n.fn == "RATIO":
            a, b, places = (scalar(x) for x in n.args)
            return ratio(a, b, int(places))
        if n.fn == "SUM":
            total = Decimal(0)
            for arg in n.args:
                got = ev(arg)
                total += sum((number(v) for v in got), Decimal(0)) if isinstance(got, list) else got
            return total
        values = ev(n.args[0])
        keep = [True] * len(values) if isinstance(values, list) else []
        for where, crit in zip(n.args[1::2], n.args[2::2], strict=True):
            col = ev(where)
            if not isinstance(crit, Text) or not isinstance(col, list) or not isinstance(values, list):
                raise MbrError("SUMIFS takes a range, then pairs of a range and a text criterion")
            keep = [k and _matches(c, crit.text) for k, c in zip(keep, col, strict=True)]
        assert isinstance(values, list)
        return sum((number(v) for v, k in zip(values, keep, strict=True) if k), Decimal(0))

    return scalar(node)


# ---------------------------------------------------------------- Excel


def to_excel(node: Node, cell: Callable[[str], str | None]) -> str | None:
    """The Excel formula of `node` (without the leading "="), each name replaced by `cell(name)` (a
    reference or a range); None when a name has no cell."""
    missing: list[str] = []

    def prec(n: Node) -> int:
        return _PRECEDENCE[n.op] if isinstance(n, Bin) else 3

    def xl(n: Node) -> str:
        if isinstance(n, Num):
            return n.text
        if isinstance(n, Text):
            return '"' + n.text.replace('"', '""') + '"'
        if isinstance(n, Ref):
            got = cell(n.name)
            if got is None:
                missing.append(n.name)
                return ""
            return got
        if isinstance(n, Neg):
            inner = xl(n.arg)
            return f"-({inner})" if isinstance(n.arg, Bin) else f"-{inner}"
        if isinstance(n, Bin):
            left, right = xl(n.left), xl(n.right)
            if prec(n.left) < prec(n):
                left = f"({left})"
            if prec(n.right) < prec(n) or (prec(n.right) == prec(n) and n.op in "-/"):
                right = f"({right})"
            return f"{left}{n.op}{right}"
        args = [xl(a) for a in n.args]
        if n.fn == "RATIO":
            a, b, places = args
            return f"IF(OR({b}<=0,{a}>={b}),1,MIN(1,ROUND({a}/{b},{places})))"
        return f"{n.fn}({','.join(args)})"

    text = xl(node)
    return None if missing else text


# ---------------------------------------------------------------- a form line


@dataclass(frozen=True)
class LineDef:
    """One form line, defined once: its official id and label, and either the expression it is
    computed by (over other lines) or the place its value comes from (`source`: the ledger, the
    carry-forward, "not tracked"). `how` is the form's own words, derived from `expr` when empty."""

    id: str
    label: str
    expr: str = ""
    source: str = ""
    how: str = ""
    kind: str = "money"
    tree: Node | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if bool(self.expr) == bool(self.source):
            raise MbrError(f"line {self.id}: give an expression or a source, not both or neither")
        if self.expr:
            object.__setattr__(self, "tree", parse(self.expr))

    @property
    def computed(self) -> bool:
        return self.tree is not None

    @property
    def refs(self) -> list[str]:
        """The names the expression reads ([] for a line from a source)."""
        return refs(self.tree) if self.tree is not None else []

    @property
    def lines(self) -> list[str]:
        """The ids of the lines of the same form it comes from (`L15a` -> "15a")."""
        return [r[1:] for r in self.refs if "." not in r and r.startswith("L")]

    @property
    def formula(self) -> str:
        """How it is computed, in the form's words: "line 1 + line 2"."""
        if self.how or self.tree is None:
            return self.how
        return re.sub(r"\bL(\w+)", r"line \1", self.expr).replace("*", "x")

    def evaluate(self, resolve: Callable[[str], Resolved]) -> Decimal:
        if self.tree is None:
            raise MbrError(f"line {self.id} comes from {self.source}; it has no expression")
        return evaluate(self.tree, resolve)


def line_values(values: Mapping[str, Scalar]) -> Callable[[str], Resolved]:
    """A resolver over one form's line values: `L3` -> values["3"] (a blank line is None)."""

    def resolve(name: str) -> Resolved:
        if not name.startswith("L") or name[1:] not in values:
            raise MbrError(f"no line {name}")
        return values[name[1:]]

    return resolve


def excel(expr: str, cell: Callable[[str], str | None]) -> str | None:
    """`to_excel` of an expression given as text."""
    return to_excel(parse(expr), cell)
