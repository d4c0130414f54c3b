"""Group practice in the browser, against the real stack: a facilitator and three members, each in
a browser context of their own, play a scenario to its end. Every turn the members propose, the
facilitator sends one (once by a vote), and each member's page shows the patient's answer within
1 s of the facilitator pressing Send, pushed over server-sent events without a reload."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.conftest import Site, sign_in
from tests.e2e.test_scenario_behaviour import UNSKILLED, SkilledLearner

if TYPE_CHECKING:  # Playwright is installed only where the browser tests run
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e

SCENARIO = "gp_reception_appointment"
SEEN_WITHIN_MS = 1000

# Installed on a member's page before the facilitator sends: when the turn's element appears,
# the time (the machine's clock, shared by every context of the browser) is kept.
WATCH = """(n) => {
    window.__seen = null;
    const look = () => {
        if (window.__seen === null && document.getElementById('group-turn-' + n)) { window.__seen = Date.now(); }
    };
    look();
    new MutationObserver(look).observe(document.body, {childList: true, subtree: true});
}"""


def _state(api: Any, run_id: int) -> dict[str, Any]:
    r = api.get(f"/api/group-runs/{run_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def _propose(page: Page, text: str) -> None:
    page.get_by_label(re.compile("^Your proposed reply")).fill(text)
    page.get_by_role("button", name="Propose").click()
    page.wait_for_load_state()
    page.locator(".proposal", has_text=text).wait_for()


# On the facilitator's page: the moment the form is sent, kept across the page load that follows.
SENT = """() => document.addEventListener('submit', () => sessionStorage.setItem('sent', String(Date.now())), true)"""


def _send_and_time(fac: Page, members: list[Page], button: str, turn: int) -> list[int]:
    """Press ``button`` on the facilitator's page; how long after the facilitator's browser sent
    the form each member's page showed turn ``turn``."""
    for m in members:
        m.evaluate(WATCH, turn)
    fac.evaluate(SENT)
    fac.locator(button).click()
    fac.wait_for_url(re.compile(r"/group/\d+(#latest)?$"))
    fac.locator(f"#group-turn-{turn}").wait_for()
    sent = int(fac.evaluate("Number(sessionStorage.getItem('sent'))"))
    delays = []
    for m in members:
        m.wait_for_function("window.__seen !== null", timeout=15_000)
        delays.append(int(m.evaluate("window.__seen")) - sent)
    return delays


def test_a_facilitator_and_three_members_play_a_scenario_to_the_end(browser: Browser, site: Site) -> None:
    facilitator, facilitator_id = site.account("facilitator")
    names = [site.account("learner", name=f"member{i}") for i in (1, 2, 3)]
    cohort = site.cohort(
        {facilitator: (facilitator_id, "facilitator"), **{name: (uid, "learner") for name, uid in names}}
    )
    with site.api(facilitator) as api:  # the engine's first reply loads the cue scorer: not what is measured
        warm = api.post("/api/sessions", json={"scenario_id": SCENARIO})
        assert warm.status_code == 201, warm.text
        api.post(f"/api/sessions/{warm.json()['id']}/turns", json={"text": "What happened?"})
        api.post(f"/api/sessions/{warm.json()['id']}/end", json={"reason": "finished"})
    contexts = [browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}) for _ in range(4)]
    try:
        fac = contexts[0].new_page()
        sign_in(fac, site.base_url, facilitator)
        fac.goto(f"{site.base_url}/facilitate/cohorts/{cohort}")
        fac.get_by_label("Scenario").select_option(SCENARIO)
        fac.get_by_role("button", name="Start group practice").click()
        fac.wait_for_url(re.compile(r"/group/\d+$"))
        run_id = int(fac.url.rsplit("/", 1)[1])
        code = fac.locator("#join-code").inner_text()
        assert re.fullmatch(r"[A-Z2-9]{6}", code)

        members: list[Page] = []
        for ctx, (name, _) in zip(contexts[1:], names, strict=True):
            page = ctx.new_page()
            sign_in(page, site.base_url, name)
            page.goto(f"{site.base_url}/group")
            page.get_by_label("Code").fill(code.lower())
            page.get_by_role("button", name="Join").click()
            page.wait_for_url(f"{site.base_url}/group/{run_id}")
            members.append(page)
        fac.locator("text=Joined (3)").wait_for()  # pushed to the facilitator as they join

        # The shared screen names nobody.
        screen = contexts[0].new_page()
        screen.goto(f"{site.base_url}/group/{run_id}/screen")
        assert code in screen.locator(".screen-code").inner_text()

        # Pause reaches every member at once, and resume lets them propose again.
        fac.get_by_role("button", name="Pause").click()
        for m in members:
            m.locator("#group-paused").wait_for()
            assert m.locator("#proposal-form").is_hidden()
        fac.get_by_role("button", name="Resume").click()
        for m in members:
            m.locator("#proposal-form").wait_for(state="visible")

        learner = SkilledLearner()
        all_delays: list[int] = []
        with site.api(facilitator) as api:
            run = _state(api, run_id)
            line, level = run["opening"][-1], "angry"
            for turn in range(1, 16):
                best = learner.reply(line.get("opportunity"), level)
                _propose(members[0], best)
                _propose(members[1], UNSKILLED[turn % len(UNSKILLED)])
                _propose(members[2], f"Okay. {UNSKILLED[(turn + 1) % len(UNSKILLED)]}")
                run = _state(api, run_id)
                mine = next(p for p in run["proposals"] if p["proposer"] == names[0][0])
                fac.locator(f"#send-{mine['id']}").wait_for()
                assert names[0][0] in fac.locator(f"#proposal-{mine['id']}").inner_text()  # named to staff
                for m in members:
                    assert not any(name in m.locator("#group-live").inner_text() for name, _ in names)
                if turn == 2:  # this turn by a vote: two of three for the skilled reply
                    fac.get_by_role("button", name="Open the vote").click()
                    for voter in members[:2]:
                        voter.locator(f"#vote-{mine['id']}").click()
                        voter.locator("text=Your vote.").wait_for()
                    members[2].locator("#vote-open").wait_for()
                    fac.locator("text=2 votes").wait_for()
                    delays = _send_and_time(fac, members, "#close-vote", turn)
                else:
                    delays = _send_and_time(fac, members, f"#send-{mine['id']}", turn)
                assert all(0 < d <= SEEN_WITHIN_MS for d in delays), (turn, delays)
                all_delays += delays
                run = _state(api, run_id)
                sent = run["turns"][-1]
                assert sent["text"] == best and len(sent["alternatives"]) == 2
                for m in members:  # the patient's answer and the feedback on the reply sent
                    item = m.locator(f"#group-turn-{turn}")
                    assert sent["patient_lines"][-1]["text"] in item.inner_text()
                    assert item.locator(".feedback").count() >= 1
                if run["status"] == "ended":
                    break
                level = sent["score_card"]["escalation"]
                line = sent["patient_lines"][-1]
                learner.need_out = learner.need_out or line["act"] == "disclose_need"
            else:
                fac.get_by_role("button", name="End the group practice").click()

            # The alternatives were scored by the same reader; every member sees how.
            for m in members:
                first = m.locator("#group-turn-1 .alternatives")
                first.locator(".alt .feedback").first.wait_for(state="attached", timeout=15_000)
                assert "Being scored" not in (first.text_content() or "")
            for m in members:
                m.locator("#group-ended").wait_for()
                assert m.locator("#proposal-form").is_hidden()
            final = _state(api, run_id)
            assert final["status"] == "ended" and final["code"] is None
            transcript = api.get(f"/api/sessions/{final['session_id']}")
            assert transcript.status_code == 200 and len(transcript.json()["turns"]) == len(final["turns"])
        print(
            f"\ngroup run: {len(final['turns'])} turns, outcome {final['outcome']}; members saw each turn "
            f"at worst {max(all_delays)} ms after the facilitator sent it ({len(all_delays)} views)"
        )
    finally:
        for ctx in contexts:
            ctx.close()
