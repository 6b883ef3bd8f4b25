"""The hashed locks the Makefile installs from agree with pyproject.toml and with each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^ ;\\]+)", re.M)


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0].lower().replace("_", "-")


def _pins(path: Path) -> dict[str, str]:
    return {m[1].lower().replace("_", "-"): m[2] for m in PIN.finditer(path.read_text(encoding="utf-8"))}


def test_every_dependency_is_pinned_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"], "setuptools"]
    lock = _pins(ROOT / "requirements/lock.txt")
    runtime = _pins(ROOT / "requirements/runtime.txt")
    assert [r for r in wanted if _name(r) not in lock] == [], "run `make lock`"
    assert [r for r in project["dependencies"] if _name(r) not in runtime] == [], "run `make lock`"
    text = (ROOT / "requirements/lock.txt").read_text(encoding="utf-8")
    assert text.count("--hash=sha256:") >= len(lock)


def test_runtime_lock_is_the_same_versions() -> None:
    lock = _pins(ROOT / "requirements/lock.txt")
    runtime = _pins(ROOT / "requirements/runtime.txt")
    assert {n: v for n, v in runtime.items() if lock.get(n) != v} == {}
