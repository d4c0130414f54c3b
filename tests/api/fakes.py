"""Stand-ins for the API tests: two scenarios (the scripted engine is api/engine/fake.py)."""

from __future__ import annotations

from typing import Any


class FakeScenario:
    def __init__(self, scenario_id: str, title: str, difficulty: int = 1) -> None:
        self.id = scenario_id
        self.title = title
        self.difficulty = difficulty

    def brief(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "staff_role": "receptionist",
            "setting": "GP surgery reception",
            "difficulty": self.difficulty,
            "skills": ["open_question"],
            "themes": ["uncivil"],
            "persona": {"name": "Mr Test Patient", "age": 58, "description": "A fictional patient."},
            "situation": "You are on the front desk.",
            "start_level": "angry",
            "turn_budget": 6,
        }


SCENARIOS = {
    "front_desk": FakeScenario("front_desk", "Cancelled appointment at the front desk", 2),
    "ward_visit": FakeScenario("ward_visit", "Visiting hours on the ward", 1),
}
