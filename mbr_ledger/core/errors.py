"""Errors as values, each naming its place: `path:line: column: message`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Place:
    """Where a ledger row or a problem comes from: a file and its 1-based line."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class InputProblem:
    path: str
    line: int
    message: str
    column: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        col = f" {self.column}:" if self.column else ""
        return f"{where}:{col} {self.message}"


class MbrError(Exception):
    """Bad usage or bad input: reported without a traceback, exit code 2."""

    exit_code = 2

    def __init__(self, message: str, problems: list[InputProblem] | None = None, total: int | None = None):
        super().__init__(message)
        self.problems = problems or []
        self.total = len(self.problems) if total is None else max(total, len(self.problems))  # all, not only kept

    def render(self, limit: int = 50) -> str:
        lines = [str(self)] if str(self) else []
        lines += [str(p) for p in self.problems[:limit]]
        shown = min(limit, len(self.problems))
        if self.total > shown:
            lines.append(f"... and {self.total - shown} more problems")
        return "\n".join(lines)


class ProfileError(MbrError):
    """mbr.toml is wrong: messages name the key path, e.g. `mbr.toml: person[0].born: ...`."""
