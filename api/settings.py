"""API settings from the environment (prefix ``PRACTICE_``), read once behind a cached getter."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from actions.vocabulary import REPO_ROOT

DEFAULT_VAR_DIR = REPO_ROOT / "var"
DEFAULT_DATABASE = DEFAULT_VAR_DIR / "practice.db"


class Settings(BaseSettings):
    """Everything the API reads from the environment, with defaults for a laptop."""

    model_config = SettingsConfigDict(env_prefix="PRACTICE_", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_DATABASE}",
        validation_alias=AliasChoices("PRACTICE_DATABASE_URL", "DATABASE_URL"),
    )
    rasa_url: str = "http://127.0.0.1:5005"
    # The Rasa tracker store's database, so ended or deleted conversations are forgotten there
    # too (api/engine_memory.py); None when Rasa keeps trackers in memory.
    engine_tracker_url: str | None = None
    rasa_timeout: float = Field(default=60.0, gt=0)  # the first turn may load the model
    rasa_status_timeout: float = Field(default=2.0, gt=0)  # the health probe
    max_message_chars: int = Field(default=1000, ge=1)
    scenario_dir: Path | None = None  # None: the loader's own default (data/scenarios)
    host: str = "127.0.0.1"
    port: int = 8000
    var_dir: Path = DEFAULT_VAR_DIR  # runtime state: the SQLite file, the generated secret key
    # Signs access tokens (HS256). Unset: generated once and kept in ``var/secret_key`` (0600).
    secret_key: str | None = Field(default=None, repr=False)
    access_token_minutes: int = Field(default=30, ge=1, le=24 * 60)

    @field_validator("rasa_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _sqlalchemy_scheme(cls, value: str) -> str:
        # Some hosts hand out ``postgres://``; SQLAlchemy 2 only knows ``postgresql://``.
        if value.startswith("postgres://"):
            return "postgresql://" + value.removeprefix("postgres://")
        return value


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
