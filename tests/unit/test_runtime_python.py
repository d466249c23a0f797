"""make install's choice of Python: the runtime template.yaml names where the machine has it, else the fallback."""

from __future__ import annotations

import sys
from pathlib import Path

from infra import runtime_python

ROOT = Path(__file__).resolve().parents[2]


def fake_interpreter(path: Path, prints: str, exit_code: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho '{prints}'\nexit {exit_code}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def test_the_runtime_is_read_from_the_templates_globals():
    assert runtime_python.runtime_version(ROOT / "template.yaml") == "3.13"


def test_a_pyenv_interpreter_of_the_runtimes_version_is_chosen(tmp_path, monkeypatch):
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", "/nonexistent")
    wanted = fake_interpreter(tmp_path / "versions/3.13.0/bin/python3.13", "3.13")
    chosen, message = runtime_python.choose("3.13", sys.executable)
    assert chosen == str(wanted)
    assert "python3.13, the runtime template.yaml names" in message


def test_an_interpreter_that_does_not_run_is_passed_over_for_the_fallback_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", "/nonexistent")
    fake_interpreter(tmp_path / "versions/3.13.0/bin/python3.13", "pyenv: python3.13: command not found", 127)
    chosen, message = runtime_python.choose("3.13", sys.executable)
    assert chosen == sys.executable
    assert "was not found" in message and "pyenv install 3.13" in message


def test_a_virtualenv_of_another_python_does_not_match(tmp_path, monkeypatch):
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", "/nonexistent")
    fake_interpreter(tmp_path / "versions/3.13.0/bin/python3.13", "3.13")
    other = fake_interpreter(tmp_path / "venv/bin/python", "3.11")
    assert runtime_python.main(["--fallback", sys.executable, "--venv-matches", str(other.parent.parent)]) == 1
    fake_interpreter(other, "3.13")
    assert runtime_python.main(["--fallback", sys.executable, "--venv-matches", str(other.parent.parent)]) == 0
