"""How well the trained Rasa NLU reads held-out learner replies (bench/nlu_heldout.yml).

Usage: .venv/bin/python bench/nlu_heldout.py [--model models/<hash>.tar.gz]

The cases are replies in the settings of the scenario library that are not in the training
data, so the figure says whether the NLU generalises to those front lines. It runs the
engine's own Python (Rasa lives in `.venv-rasa`), prints each miss and the accuracy.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.engine import ensure_model, rasa_bin  # noqa: E402

_CHILD = r"""
import asyncio, json, logging, sys
logging.disable(logging.CRITICAL)
from rasa.core.agent import Agent
async def main():
    agent = Agent.load(sys.argv[1])
    out = []
    for text in json.load(sys.stdin):
        parsed = await agent.parse_message(text)
        out.append([parsed["intent"]["name"], parsed["intent"]["confidence"]])
    print(json.dumps(out))
asyncio.run(main())
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a trained model (default: the current inputs' model)")
    args = parser.parse_args()
    model = args.model or ensure_model(quiet=True)
    cases = yaml.safe_load((ROOT / "bench" / "nlu_heldout.yml").read_text(encoding="utf-8"))["cases"]
    engine_python = rasa_bin().parent / "python"
    run = subprocess.run(
        [str(engine_python), "-c", _CHILD, str(model)], input=json.dumps([c["text"] for c in cases]),
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    predictions = json.loads(run.stdout.strip().splitlines()[-1])
    right = 0
    for case, (intent, confidence) in zip(cases, predictions):
        if intent == case["intent"]:
            right += 1
        else:
            print(f"miss: want {case['intent']}, got {intent} ({confidence:.2f}): {case['text']}")
    print(f"model {Path(model).name}: {right}/{len(cases)} held-out replies read as the right move "
          f"({right / len(cases):.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
