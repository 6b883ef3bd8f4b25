"""docs/commands.md follows the command line: every command and subcommand `mbr` lists (the
click tree under `mbr_ledger.cli.LazyGroup`, from `COMMANDS`) has a synopsis line with each of
its long options, a section of its own and an example; and the synopsis names nothing the
command line does not have, so the document cannot drift from `--help`."""

from __future__ import annotations

import re

import click
import pytest

from mbr_ledger.cli import COMMANDS, LazyGroup, cli

from conftest import ROOT

DOC = ROOT / "docs" / "commands.md"


def _tree() -> dict[str, click.Command]:
    """Every command by its path (`""` is `mbr` itself, then `"worksheet 5329"`, ...)."""
    found: dict[str, click.Command] = {}

    def walk(cmd: click.Command, path: str, parent: click.Context | None) -> None:
        found[path] = cmd
        if isinstance(cmd, click.Group):
            ctx = click.Context(cmd, parent=parent, info_name=path.split(" ")[-1] or "mbr")
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                assert sub is not None, f"mbr {path} lists {name!r} but cannot load it"
                walk(sub, f"{path} {name}".strip(), ctx)

    walk(cli, "", None)
    return found


TREE = _tree()


def _long_options(cmd: click.Command) -> set[str]:
    return {o for p in cmd.params if isinstance(p, click.Option)
            for o in (*p.opts, *p.secondary_opts) if o.startswith("--")}


def _synopsis() -> dict[str, str]:
    """The lines of the code block under `## Synopsis`, by command path."""
    text = DOC.read_text(encoding="utf-8")
    m = re.search(r"^## Synopsis\n.*?^```\n(.*?)^```", text, re.S | re.M)
    assert m, "docs/commands.md has no code block under '## Synopsis'"
    lines: dict[str, str] = {}
    for line in m.group(1).splitlines():
        if not line.startswith("mbr"):
            continue
        words = []
        for w in line.split()[1:]:
            if not re.fullmatch(r"[a-z0-9]+", w):
                break
            words.append(w)
        path = " ".join(words)
        assert path not in lines, f"two synopsis lines for mbr {path}"
        lines[path] = line
    return lines


SYNOPSIS = _synopsis()


def _cases() -> list[str]:
    return sorted(TREE)


def test_the_tree_is_the_commands_table() -> None:
    assert isinstance(cli, LazyGroup)
    top = [p for p in TREE if p and " " not in p]
    assert top == list(COMMANDS)
    # the groups with subcommands are walked too (a test that cannot pass on a flat tree)
    assert {"worksheet 5329", "worksheet 1040", "formats guess", "export beancount"} <= set(TREE)


@pytest.mark.parametrize("path", _cases(), ids=lambda p: p or "mbr")
def test_synopsis_line_has_every_long_option(path: str) -> None:
    assert path in SYNOPSIS, f"docs/commands.md: no synopsis line for mbr {path}"
    line = SYNOPSIS[path]
    written = set(re.findall(r"--[a-z][a-z0-9-]*", line))
    assert sorted(_long_options(TREE[path]) - written) == [], f"mbr {path}: options missing"
    assert sorted(written - _long_options(TREE[path])) == [], f"mbr {path}: options it does not have"


def test_synopsis_names_only_real_commands() -> None:
    assert sorted(set(SYNOPSIS) - set(TREE)) == []


@pytest.mark.parametrize("path", [p for p in _cases() if p], ids=lambda p: p)
def test_each_command_has_a_section_and_an_example(path: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    headings = [h for h in re.findall(r"^#{2,4} (.*)$", text, re.M)]
    assert any(re.search(rf"`mbr {re.escape(path)}(?=[` ])", h) for h in headings), \
        f"docs/commands.md: no heading naming `mbr {path}`"
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", text, re.S | re.M)
    examples = [line for b in blocks[1:] for line in b.splitlines()]
    pattern = re.compile(rf"^mbr (--book \S+ )?{re.escape(path)}( |$)")
    assert any(pattern.match(line) for line in examples), f"docs/commands.md: no example of mbr {path}"


def test_design_lists_every_module() -> None:
    """docs/design.md's module tables name every module of the package (a package's `__init__.py`
    only where it holds more than exports), and no module that is not there."""
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    section = text[text.index("## The modules"):text.index("## Habits")]
    listed = set(re.findall(r"^\| `([a-z_/0-9]+\.py)` \|", section, re.M))
    package = ROOT / "mbr_ledger"
    every = {str(p.relative_to(package)) for p in package.rglob("*.py")}
    assert sorted({m for m in every if not m.endswith("__init__.py")} - listed) == [], \
        "modules missing from docs/design.md"
    assert sorted(listed - every) == [], "docs/design.md lists modules that are not in the package"
