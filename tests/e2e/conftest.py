"""End-to-end tests use the real stack from ``tests/stack_fixtures.py`` (registered for the
whole suite in ``tests/conftest.py``); ``Conversation`` is imported from there."""

from tests.stack_fixtures import Conversation

__all__ = ["Conversation"]
