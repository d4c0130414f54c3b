"""`practice score`: JSON Lines on stdin, a person-readable single utterance, --eval."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

from practice.commands import score as score_cmd
from practice.scoring.commands import score_jsonl, score_text

ROOT = Path(__file__).resolve().parents[2]


def test_jsonl_handler_continues_after_bad_lines(scorer):
    inp = io.StringIO(
        '{"text": "Can you tell me what happened?", "context": ""}\nnot json\n{"text": 3}\n\n{"text": "Calm down."}\n'
    )
    out = io.StringIO()
    errors = score_jsonl(inp, out, scorer)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert errors == 2 and len(lines) == 4
    assert lines[0]["cues"][0]["cue"] == "open_question"
    assert set(lines[0]) == {"cues", "score", "flags", "move", "move_tentative"}
    assert lines[0]["move"] == "open_question" and lines[3]["move"] == "command"
    assert lines[1]["error"].startswith("line 2: ")
    assert lines[2]["error"].startswith("line 3: ")
    assert lines[3]["cues"][0]["cue"] == "command" and lines[3]["score"] < 0


def test_text_mode_brackets_without_tty(scorer):
    out = io.StringIO()
    score_text("I'm so sorry. What happened?", "", out, ansi=False, scorer=scorer)
    text = out.getvalue()
    assert "[I'm so sorry.]" in text and "[What happened?]" in text and "\033[" not in text
    assert "move open_question (from open_question): what the patient reacts to" in text
    out = io.StringIO()
    score_text("Calm down.", "", out, ansi=True, scorer=scorer)
    assert "\033[" in out.getvalue()


def test_add_parser_registers_score():
    parser = argparse.ArgumentParser(prog="practice")
    score_cmd.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["score", "--eval", "data/cues/dev.jsonl"])
    assert args.handler is score_cmd.handle and args.eval == Path("data/cues/dev.jsonl")


def test_subprocess_jsonl():
    proc = subprocess.run(
        [sys.executable, "-m", "practice.commands.score"],
        input='{"text": "Is it your back?"}\n{"text": ""}\n',
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    first, second = (json.loads(x) for x in proc.stdout.splitlines())
    assert first["cues"][0]["cue"] == "closed_question"
    assert second == {"cues": [], "score": 0.0, "flags": ["empty"], "move": "out_of_scope", "move_tentative": False}


def test_eval_prints_per_cue_table_and_macro(tmp_path, scorer):
    from practice.scoring.commands import run_eval

    data = tmp_path / "mini.jsonl"
    data.write_text(
        '{"text": "What happened?", "context": "", "cues": ["open_question"]}\n'
        '{"text": "Is it your back?", "context": "", "cues": ["closed_question"]}\n'
        '{"text": "Calm down.", "context": "", "cues": ["command"]}\n'
    )
    out = io.StringIO()
    macro = run_eval(data, out)
    text = out.getvalue()
    assert "macro-F1" in text and "open_question" in text and "support" in text
    assert macro == 1.0
