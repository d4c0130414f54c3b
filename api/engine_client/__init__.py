"""Transitional: the engine's exceptions under their old import path, for api/errors.py and
api/web/errors.py only (another change, which owns those files, moves the exceptions to
api/exceptions.py and their imports with them). Delete this folder once nothing imports it;
everything else imports from ``api.engine``.

A package rather than api/engine_client.py, so that git still sees that file renamed to
api/engine/client.py and merges that change's edits into it.
"""

from api.engine.client import EngineError, EngineFailure, EngineReportedError, EngineTimeout, EngineUnavailable

__all__ = ["EngineError", "EngineFailure", "EngineReportedError", "EngineTimeout", "EngineUnavailable"]
