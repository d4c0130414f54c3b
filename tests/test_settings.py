"""One settings source: every variable the code reads is a field of actions.settings.Settings
(or one of the few named exceptions) and is listed in the README's configuration table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from actions.settings import DEFAULT_API_PORT, DEFAULT_RASA_PORT, Settings
from actions.vocabulary import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
# Read outside Settings on purpose (actions/settings.py's docstring says why).
NOT_SETTINGS = {"PRACTICE_TEST_POSTGRES_URL", "PRACTICE_PYTHON310"}
CODE_DIRS = ("actions", "api", "practice", "tests", "scripts")


def _documented() -> set[str]:
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`(PRACTICE_[A-Z0-9_]+)`", section))


def _mentioned_in_code() -> set[str]:
    found: set[str] = set()
    files = [p for d in CODE_DIRS for p in (REPO_ROOT / d).rglob("*") if p.suffix in {".py", ".sh"}]
    for path in [*files, REPO_ROOT / "Makefile", REPO_ROOT / ".ci" / "run"]:
        found |= set(re.findall(r"\bPRACTICE_[A-Z0-9_]*[A-Z0-9]\b", path.read_text(encoding="utf-8")))
    return found


def test_every_setting_is_in_the_readme() -> None:
    variables = {f"PRACTICE_{name.upper()}" for name in Settings.model_fields}
    assert variables - _documented() == set()


def test_every_variable_the_code_names_is_a_setting_and_documented() -> None:
    settings = {f"PRACTICE_{name.upper()}" for name in Settings.model_fields}
    named = _mentioned_in_code() - {"PRACTICE_"}
    assert named - settings - NOT_SETTINGS == set(), "read it through actions.settings"
    assert named - _documented() == set(), "list it in the README's configuration table"


def test_unset_addresses_follow_the_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PRACTICE_RASA_URL", "PRACTICE_API_URL", "PRACTICE_PORT", "PRACTICE_RASA_PORT"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().rasa_url == f"http://127.0.0.1:{DEFAULT_RASA_PORT}"
    assert Settings().api_url == f"http://127.0.0.1:{DEFAULT_API_PORT}"
    monkeypatch.setenv("PRACTICE_RASA_PORT", "6005")
    monkeypatch.setenv("PRACTICE_PORT", "9000")
    assert Settings().rasa_url == "http://127.0.0.1:6005"
    assert Settings().api_url == "http://127.0.0.1:9000"
    monkeypatch.setenv("PRACTICE_RASA_URL", "http://rasa.internal:5005/")
    assert Settings().rasa_url == "http://rasa.internal:5005"


def test_the_supervisor_and_the_cli_share_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    from practice.cli import build_parser
    from practice.supervisor import StackConfig

    for name in ("PRACTICE_HOST", "PRACTICE_PORT", "PRACTICE_RASA_PORT", "PRACTICE_ACTION_PORT"):
        monkeypatch.delenv(name, raising=False)
    config = StackConfig(model=Path("m.tar.gz"))
    args = build_parser().parse_args(["run"])
    assert (args.host, args.api_port, args.rasa_port, args.action_port) == (
        config.host,
        config.api_port,
        config.rasa_port,
        config.action_port,
    )
    monkeypatch.setenv("PRACTICE_RASA_PORT", "6005")
    assert build_parser().parse_args(["run"]).rasa_port == 6005
