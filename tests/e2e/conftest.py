"""End-to-end tests use the real stack from ``tests/supervisor_fixtures.py`` (registered for the
whole suite in ``tests/conftest.py``); ``Conversation`` and ``Converse`` are imported from there."""

from tests.supervisor_fixtures import Conversation, Converse

__all__ = ["Conversation", "Converse"]
