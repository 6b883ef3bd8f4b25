"""The command line: help with examples everywhere, a fast `mbr --help`, exit codes, progress."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from mbr_ledger.cli import COMMANDS, LazyGroup, cli

from conftest import run


def test_top_help_has_an_example_and_lists_commands():
    res = CliRunner().invoke(cli, ["--help"])
    assert res.exit_code == 0
    assert "Example:" in res.output
    for name in ("init", "import", "formats", "ledger", "limits"):
        assert f"  {name} " in res.output


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_subcommand_help_has_an_example(name):
    cmd = LazyGroup._load(name)
    if cmd is None:
        pytest.skip(f"{name} is not part of this build")
    res = CliRunner().invoke(cli, [name, "--help"])
    assert res.exit_code == 0
    assert "Example:" in res.output
    sub = getattr(cmd, "commands", {})
    for subname in sub:
        res = CliRunner().invoke(cli, [name, subname, "--help"])
        assert res.exit_code == 0 and "Example:" in res.output, f"{name} {subname}"


def test_listed_help_lines_are_the_commands_own():
    for name, (_, line) in COMMANDS.items():
        cmd = LazyGroup._load(name)
        assert cmd is not None, name
        assert (cmd.help or "").strip().splitlines()[0] == line, name


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from mbr_ledger.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('polars', 'openpyxl', 'reportlab', 'mbr_ledger.commands') if m in sys.modules]\n"
            "print('HEAVY=' + ','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("HEAVY=")


def test_bad_usage_is_exit_2(tmp_path):
    assert run(tmp_path, "limits").exit_code == 2
    assert run(tmp_path, "nosuchcommand").exit_code == 2
    res = run(tmp_path, "ledger")
    assert res.exit_code == 2
    assert "no profile here" in res.stderr


def test_progress_bar_only_on_a_terminal(book, tmp_path, monkeypatch):
    rows = "".join(f"2026-01-02,alex,acme,contribution,after_tax,{i}.00\n" for i in range(1, 25001))
    f = tmp_path / "big.csv"
    f.write_text("date,person,account,kind,source,amount\n" + rows)
    res = run(book, "import", "--dry-run", str(f))
    assert res.exit_code == 0 and "writing big.csv" not in res.stderr
    import mbr_ledger.commands.imports as imports

    monkeypatch.setattr(imports, "stderr_is_terminal", lambda: True)
    res = run(book, "import", "--dry-run", str(f))
    assert res.exit_code == 0
    assert "writing big.csv" in res.stderr
    res = run(book, "import", "--dry-run", "--format", "json", str(f))
    assert "writing" not in res.stderr


def test_main_turns_errors_into_exit_codes(tmp_path, capsys):
    from mbr_ledger.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["--book", str(tmp_path), "ledger"])
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err
