"""Serve the API with uvicorn on ``settings.host:settings.port`` (127.0.0.1:8000 by default)."""

from __future__ import annotations

import uvicorn

from actions.settings import get_settings


def serve(*, reload: bool = False) -> None:
    settings = get_settings()
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        reload=reload,
        proxy_headers=False,  # the app believes proxies itself, only PRACTICE_TRUSTED_PROXIES (api.security_headers)
    )
