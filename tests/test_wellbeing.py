"""The check-in part of data/support.yml: the shipped words load, signposting fits the answers,
the prompts take turns, and a broken file is refused saying where and what."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from actions.feedback import SUPPORT_FILE, support_info
from actions.vocabulary import FEELINGS
from actions.wellbeing import SupportDataError, load_check_in_guide, parse_guide

RAW: dict[str, Any] = yaml.safe_load(SUPPORT_FILE.read_text(encoding="utf-8"))


def test_the_shipped_file_loads_and_the_session_support_is_unchanged() -> None:
    guide = load_check_in_guide()
    assert len(guide.prompts) >= 5 and len(guide.signposting) >= 4
    assert support_info()["heading"] == "Looking after yourself" and support_info()["options"]


@pytest.mark.parametrize("affected", [True, False, None])
def test_upset_or_affected_are_told_to_talk_to_someone_today_with_the_national_lines(affected: bool | None) -> None:
    guide = load_check_in_guide()
    for feeling in ["upset"] if affected is not True else [*FEELINGS, None]:
        section = guide.signposting_for(feeling=feeling, affected=affected)
        words = " ".join([section.heading, section.text, *section.options])
        assert section.id == "reach_out", (feeling, affected)
        assert "today" in section.heading.lower()
        for needed in ("116 123", "85258", "999", "occupational health", "employee assistance programme"):
            assert needed in words, needed


def test_okay_is_a_note_on_noticing_later_not_an_emergency() -> None:
    section = load_check_in_guide().signposting_for(feeling="okay", affected=False)
    words = " ".join([section.heading, section.text, *section.options])
    assert section.id == "okay" and "later" in words and "999" not in words


def test_every_answer_gets_its_own_fitting_words() -> None:
    guide = load_check_in_guide()
    chosen = {f: guide.signposting_for(feeling=f, affected=False).id for f in FEELINGS}
    assert chosen == {"okay": "okay", "shaken": "shaken", "upset": "reach_out", "not_sure": "not_sure"}
    assert guide.signposting_for(feeling=None, affected=None).id == "anything"
    assert guide.signposting_for(feeling="shaken", affected=True).id == "reach_out"


def test_the_prompts_take_turns() -> None:
    guide = load_check_in_guide()
    shown = [guide.prompt_for(n) for n in range(len(guide.prompts))]
    assert len(set(shown)) == len(guide.prompts)
    assert guide.prompt_for(len(guide.prompts)) == shown[0]


def _broken(change: Any) -> str:
    raw = copy.deepcopy(RAW)
    change(raw["check_in"])
    with pytest.raises(SupportDataError) as caught:
        parse_guide(raw, "data/support.yml")
    return str(caught.value)


def test_a_broken_file_is_refused_saying_where_and_what() -> None:
    assert "check_in.signposting: must be a list" in _broken(lambda c: c.pop("signposting"))
    message = _broken(lambda c: c["signposting"][1]["when"].update(feeling=["fine"]))
    assert message == (
        "data/support.yml: check_in.signposting[1] (shaken).when.feeling: unknown feeling(s) fine "
        "(known: okay, shaken, upset, not_sure)"
    )
    assert "when: unknown condition(s) mood" in _broken(lambda c: c["signposting"][0]["when"].update(mood=["x"]))
    assert "options: must be a list of one or more lines" in _broken(lambda c: c["signposting"][2].update(options=[]))
    assert "heading: must be some text" in _broken(lambda c: c["signposting"][0].pop("heading"))
    assert "id(s) used twice: okay" in _broken(lambda c: c["signposting"][1].update(id="okay"))
    assert "the last, must have no `when`" in _broken(lambda c: c["signposting"].pop())
    assert "the last, must have no `when`" in _broken(lambda c: c["signposting"][0].pop("when"))
    assert "prompts: must be a list of two or more" in _broken(lambda c: c.update(prompts=["Just one."]))
    assert "prompts[1]: must be some text" in _broken(lambda c: c["prompts"].__setitem__(1, ""))
    assert "affected: must be true" in _broken(lambda c: c["signposting"][0]["when"].update(affected="yes"))
    with pytest.raises(SupportDataError, match="check_in: missing"):
        parse_guide({"heading": "x"}, "data/support.yml")
