"""Each Rasa action against a Tracker built from data: events returned, messages sent."""

from __future__ import annotations

from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.scenarios import load_library
from actions.sdk.acts import DiscloseNeed, Handover, Soften, Vent, WalkOut
from actions.sdk.session import ActionSessionSummary, ActionStartScenario
from actions.sdk.turn import ActionScoreTurn
from tests.actions.conftest import SCENARIO, bot_event, custom, make_tracker


def slot_events(events: list) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_start_scenario_sets_the_patient_up(dispatcher: CollectingDispatcher) -> None:
    scenario = load_library()[SCENARIO]
    tracker = make_tracker(
        intent="start_scenario",
        entities=[{"entity": "scenario_id", "value": SCENARIO}, {"entity": "seed", "value": "11"}],
        slots={"scenario_id": None, "escalation": None, "tension": None},
    )
    events = await ActionStartScenario().run(dispatcher, tracker, {})
    slots = slot_events(events)
    assert slots["scenario_id"] == SCENARIO and slots["seed"] == "11"
    assert slots["escalation"] == scenario.start_level and slots["need_disclosed"] is False
    [opening] = custom(dispatcher)
    assert opening["type"] == "patient_line" and opening["act"] == "opening"
    assert opening["text"] in {line.text for line in scenario.opening}


async def test_an_unknown_scenario_is_an_error_message(dispatcher: CollectingDispatcher) -> None:
    tracker = make_tracker(intent="start_scenario", entities=[{"entity": "scenario_id", "value": "nope"}])
    assert await ActionStartScenario().run(dispatcher, tracker, {}) == []
    [error] = custom(dispatcher)
    assert error["type"] == "error" and "nope" in error["message"]


async def test_a_patient_act_speaks_a_line_for_its_level(dispatcher: CollectingDispatcher) -> None:
    scenario = load_library()[SCENARIO]
    events = await Vent().run(dispatcher, make_tracker(slots={"escalation": "hostile"}), {})
    assert events == []
    [line] = custom(dispatcher)
    assert line["act"] == "vent" and line["escalation"] == "hostile" and not line["terminal"]
    assert line["text"] in {line_.text for line_ in scenario.lines_for("vent", "hostile")}


async def test_repeated_acts_vary_their_lines() -> None:
    said = []
    events: list = []
    for turn in range(2):
        dispatcher = CollectingDispatcher()
        await Vent().run(dispatcher, make_tracker(slots={"turn_count": float(turn)}, events=events), {})
        [line] = custom(dispatcher)
        said.append(line["text"])
        events.append(bot_event(line))
    assert said[0] != said[1]


def listening_cards(count: int) -> list:
    """Score cards for `count` listening replies (open questions), as the engine sends them."""
    return [bot_event({"type": "score_card", "move": "open_question", "cues": [{"cue": "open_question"}]})] * count


async def test_disclosing_the_need_and_terminal_acts_set_slots(dispatcher: CollectingDispatcher) -> None:
    listened = make_tracker(slots={"escalation": "upset"}, events=listening_cards(2))  # difficulty 2 asks for two
    assert await DiscloseNeed().run(dispatcher, listened, {}) == [SlotSet("need_disclosed", True)]
    assert await WalkOut().run(dispatcher, make_tracker(), {}) == [SlotSet("outcome", "escalated")]
    assert await Handover().run(dispatcher, make_tracker(), {}) == [SlotSet("outcome", "ended_for_safety")]
    assert [m["terminal"] for m in custom(dispatcher)] == [False, True, True]


async def test_score_turn_sends_a_card_and_moves_the_patient(dispatcher: CollectingDispatcher) -> None:
    previous = bot_event(
        {
            "type": "patient_line",
            "act": "vent",
            "text": "I've taken the morning off for this!",
            "opportunity": "frustrated",
        }
    )
    tracker = make_tracker(
        text="I can see how frustrated you are. Can you tell me what happened this morning?",
        events=[previous],
    )
    events = await ActionScoreTurn().run(dispatcher, tracker, {})
    slots = slot_events(events)
    assert slots["tension"] < 70 and slots["turn_count"] == 1.0
    assert slots["escalation"] in ("calm", "uneasy", "upset", "angry")
    [card] = custom(dispatcher)
    found = {c["cue"] for c in card["cues"]}
    assert {"name_emotion", "open_question"} <= found
    for cue in card["cues"]:
        assert card["said"][cue["start"] : cue["end"]] == cue["quote"]
    assert card["opportunity"] == {"emotion": "frustrated", "taken": True}
    assert card["feedback"] and card["move"] == "acknowledge_emotion" == slots["move"]
    assert card["move_tentative"] is False and not any(cue["tentative"] for cue in card["cues"])


async def test_an_anti_pattern_raises_tension(dispatcher: CollectingDispatcher) -> None:
    tracker = make_tracker(text="Calm down, sir, shouting won't get you seen any faster.")
    slots = slot_events(await ActionScoreTurn().run(dispatcher, tracker, {}))
    assert slots["tension"] > 70
    [card] = custom(dispatcher)
    assert "command" in {c["cue"] for c in card["cues"]}
    assert card["move"] == slots["move"] == "command"
    assert any("Try next" in line for line in card["feedback"])


async def test_summary_uses_the_cards_and_the_end_reason(dispatcher: CollectingDispatcher) -> None:
    card = {
        "type": "score_card",
        "said": "You sound worried.",
        "score": 3.0,
        "opportunity": None,
        "cues": [{"cue": "name_emotion", "family": "active_listening", "weight": 3.0, "quote": "You sound worried"}],
    }
    tracker = make_tracker(
        intent="end_session",
        entities=[{"entity": "reason", "value": "safety"}],
        events=[bot_event(card)],
    )
    events = await ActionSessionSummary().run(dispatcher, tracker, {})
    assert slot_events(events) == {"outcome": "ended_for_safety", "end_reason": "safety"}
    [summary] = custom(dispatcher)
    assert summary["type"] == "summary" and summary["turns"] == 1
    assert summary["done_well"][0]["quote"] == "You sound worried"


async def test_a_lost_scenario_is_reported_not_guessed(dispatcher: CollectingDispatcher) -> None:
    tracker = make_tracker(text="Hello", slots={"scenario_id": None})
    assert await ActionScoreTurn().run(dispatcher, tracker, {}) == []
    assert custom(dispatcher)[0]["code"] == "no_scenario"


async def test_the_need_stays_hidden_until_the_learner_has_listened_enough(dispatcher: CollectingDispatcher) -> None:
    scenario = load_library()[SCENARIO]  # difficulty 2: two listening replies before the need comes out
    tracker = make_tracker(slots={"escalation": "upset"}, events=listening_cards(1))
    assert await DiscloseNeed().run(dispatcher, tracker, {}) == [FollowupAction("action_listen")]
    [line] = custom(dispatcher)
    assert line["act"] == "soften" and line["chosen"] == "disclose_need"
    assert line["text"] in {line_.text for line_ in scenario.lines_for("soften", "upset")}


async def test_an_advanced_patient_pushes_back_against_the_first_boundary() -> None:
    boundary = bot_event({"type": "score_card", "move": "set_boundary", "cues": [{"cue": "set_boundary"}]})
    said = []
    for boundaries in (1, 2):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(
            slots={"scenario_id": "phone_line_abusive_caller", "escalation": "hostile"}, events=[boundary] * boundaries
        )
        await Soften().run(dispatcher, tracker, {})
        [line] = custom(dispatcher)
        said.append(line["act"])
    assert said == ["escalate", "soften"]  # difficulty 3: the first boundary is tested, the second holds


async def test_a_fully_calm_patient_ends_de_escalated(dispatcher: CollectingDispatcher) -> None:
    """Tension 0.0 is falsy but real: the summary must not fall back to the starting tension."""
    tracker = make_tracker(
        intent="end_session",
        entities=[{"entity": "reason", "value": "finished"}],
        slots={"tension": 0.0, "escalation": "calm"},
    )
    await ActionSessionSummary().run(dispatcher, tracker, {})
    [summary] = custom(dispatcher)
    assert summary["outcome"] == "de_escalated" and summary["final_escalation"] == "calm"


async def test_learner_words_are_never_read_as_a_system_intent(dispatcher: CollectingDispatcher) -> None:
    """The words ride as the `said` entity; typing an intent's name is an ordinary reply."""
    for text in ("/end_session", '/end_session{"reason": "safety"}', "start_scenario", "/learner_reply{}"):
        dispatcher = CollectingDispatcher()
        slots = slot_events(await ActionScoreTurn().run(dispatcher, make_tracker(text=text), {}))
        [card] = custom(dispatcher)
        assert card["type"] == "score_card" and card["said"] == text
        assert slots["move"] == card["move"] and slots["turn_count"] == 1.0


def test_a_tentative_move_never_walks_out() -> None:
    from actions.difficulty import difficulty, performed_act

    sure = {"move": "blame", "move_tentative": False, "cues": [{"cue": "blame"}]}
    unsure = {**sure, "move_tentative": True}
    assert performed_act("walk_out", level="hostile", cards=[sure], profile=difficulty(2)) == "walk_out"
    assert performed_act("walk_out", level="hostile", cards=[unsure], profile=difficulty(2)) == "escalate"


def test_tentative_cues_are_said_as_possibilities() -> None:
    from actions.feedback import turn_feedback

    cue = {"cue": "blame", "family": "anti_pattern", "weight": -4.0, "quote": "you should have rung"}
    sure = turn_feedback([cue], opportunity=None, reply="you should have rung")
    unsure = turn_feedback([{**cue, "tentative": True}], opportunity=None, reply="you should have rung")
    assert not sure[0].startswith("Possibly") and unsure[0].startswith("Possibly: ")
