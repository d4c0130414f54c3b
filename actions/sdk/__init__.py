"""Rasa SDK actions: the patient's acts, turn scoring and the session's start and summary.

The action server loads this package (`python -m rasa_sdk --actions actions.sdk`). It is the
only part of `actions/` that imports Rasa; the logic lives in the plain modules beside it.
"""

from actions.sdk import acts, session, turn

__all__ = ["acts", "session", "turn"]
