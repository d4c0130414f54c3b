"""Every setting the project reads from the environment (prefix ``PRACTICE_``), in one place.

The API, the action server, the supervisor (`practice run`) and the CLI all read their ports,
addresses and paths here, so a default is written once. The API reads its settings once
behind `get_settings()`, as does the action server; the CLI builds a fresh `Settings()` at the
moment it needs one, so a variable set in the same process (as tests do) is honoured.
README.md lists every variable; tests/test_settings.py checks that list against this class.
(Two variables are read elsewhere on purpose: `PRACTICE_TEST_POSTGRES_URL` by the test suite
and `PRACTICE_PYTHON310` by the Makefile's setup, before this environment exists.)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from actions.vocabulary import REPO_ROOT

LOOPBACK = "127.0.0.1"
DEFAULT_API_PORT = 8000
DEFAULT_RASA_PORT = 5005
DEFAULT_ACTION_PORT = 5055
DEFAULT_REDIS_URL = f"redis://{LOOPBACK}:6379/0"
DEFAULT_VAR_DIR = REPO_ROOT / "var"
DEFAULT_DATABASE = DEFAULT_VAR_DIR / "practice.db"
DEFAULT_MODELS_DIR = REPO_ROOT / "models"
DEFAULT_RASA_BIN = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"
DEFAULT_SCENARIO_DIR = REPO_ROOT / "data" / "scenarios"
DEFAULT_AUTHORED_SCENARIO_DIR = DEFAULT_VAR_DIR / "scenarios"
# The cue taxonomy (not a setting: every cue id, weight and label in the project comes from it).
TAXONOMY_PATH = REPO_ROOT / "data" / "cues" / "taxonomy.yml"


class Settings(BaseSettings):
    """Everything read from the environment, with defaults for a laptop (loopback only)."""

    model_config = SettingsConfigDict(env_prefix="PRACTICE_", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_DATABASE}",
        validation_alias=AliasChoices("PRACTICE_DATABASE_URL", "DATABASE_URL"),
    )
    # The Rasa server(s) the API talks to, comma-separated (api/engine/pool.py spreads turns over
    # them); unset: this machine's, on `rasa_port`.
    rasa_url: str = ""
    # The Rasa tracker store's database, so ended or deleted conversations are forgotten there
    # too (api/engine/memory.py); None when Rasa keeps trackers in memory.
    engine_tracker_url: str | None = None
    rasa_timeout: float = Field(default=60.0, gt=0)  # the first turn may load the model
    rasa_status_timeout: float = Field(default=2.0, gt=0)  # the health probe
    max_message_chars: int = Field(default=1000, ge=1)
    scenario_dir: Path = DEFAULT_SCENARIO_DIR
    # Scenario versions written in the browser (api/services/authoring.py), one YAML file per
    # published or previewed version (``<id>__v<N>.yml``): the action server reads them beside the
    # built-in library without a restart. The API and every action server must share it.
    authored_scenario_dir: Path = DEFAULT_AUTHORED_SCENARIO_DIR
    host: str = LOOPBACK  # where the servers listen (`python -m api.server`, `practice run`)
    port: int = DEFAULT_API_PORT  # the API's port
    rasa_port: int = DEFAULT_RASA_PORT  # where `practice run` starts the Rasa server
    action_port: int = DEFAULT_ACTION_PORT  # where `practice run` starts the action server
    var_dir: Path = DEFAULT_VAR_DIR  # runtime state: the SQLite file, the generated secret key
    models_dir: Path = DEFAULT_MODELS_DIR  # trained Rasa models, cached by a hash of their inputs
    rasa_bin: Path = DEFAULT_RASA_BIN  # the engine environment's `rasa` executable
    # What the `practice` CLI talks to and signs in as; unset address: this machine's API.
    api_url: str = ""
    username: str | None = None
    password: str | None = Field(default=None, repr=False)
    chromium: Path = Path("/usr/bin/chromium")  # for the browser tests and `practice screenshots`
    # Signs access tokens (HS256). Unset: generated once and kept in ``var/secret_key`` (0600).
    secret_key: str | None = Field(default=None, repr=False)
    access_token_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Proxies whose X-Forwarded-Proto/-For the API believes (comma-separated IPs or networks);
    # empty: none, so only a direct https connection makes a request https.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Failed sign-ins allowed per account name and per client address within the window
    # (api/auth/throttle.py says why these numbers); one more is refused with 429 until the
    # oldest failure is older than the window.
    signin_max_failures_per_account: int = Field(default=10, ge=1)
    signin_max_failures_per_address: int = Field(default=50, ge=1)
    signin_window_seconds: int = Field(default=900, ge=1, le=7 * 24 * 3600)
    # The database connection pool (PostgreSQL, and SQLite files): connections kept open, extra
    # ones opened under load, and how long a request waits for one before it is answered 503
    # ``service_busy`` (SQLAlchemy's own 30 s would hang the learner instead).
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout: float = Field(default=5.0, gt=0)
    # Argon2 hashes checked or made at once (each ~18 ms of one core, off the event loop);
    # a sign-in waiting longer than ``signin_queue_timeout`` seconds for a turn is answered 503.
    password_hash_workers: int = Field(default=2, ge=1)
    signin_queue_timeout: float = Field(default=5.0, gt=0)  # with the pool wait, well under 10 s in all
    # The scaled topology (`practice run --engines N --workers M`, docs/DESIGN.md "Scaling out"):
    # Rasa servers (each with its own action server) sharing one SQL tracker store and Redis
    # lock store, and API worker processes; more than one of either needs PostgreSQL.
    # Turns each API process lets wait on each Rasa server at once; a turn that finds no place
    # within ``engine_queue_timeout`` seconds is answered 503 ``engine_busy`` (kept, retryable)
    # instead of queueing behind a saturated engine (api/engine/pool.py says why these numbers).
    engine_max_in_flight: int = Field(default=8, ge=1)
    engine_queue_timeout: float = Field(default=5.0, gt=0)
    engines: int = Field(default=1, ge=1, le=16)
    api_workers: int = Field(default=1, ge=1, le=64)
    redis_url: str = DEFAULT_REDIS_URL  # Rasa's lock store when there is more than one engine
    # Seconds a reply, retry or end waits while another request's turn on the same session is
    # with the engine (a double-click, a second tab, a retry racing a reply), before it is
    # answered 409 ``turn_in_progress`` (api/deps.py). 10 s is longer than any turn measured
    # under load (the README's Load figures: 7.4 s at most), so waiting behind an ordinary turn
    # succeeds; a turn that takes longer is a slow engine (the model loading, a call on its way
    # to ``rasa_timeout``), and waiting it out would leave the learner's page spinning and make
    # one request last up to twice ``rasa_timeout``, past a proxy's usual 60 s and the CLI's 90 s.
    turn_lock_wait: float = Field(default=10.0, gt=0)
    # xAPI (ADL 1.0.3) records of finished sessions for a learning record store (api/services/xapi.py).
    # The learner is an account on ``xapi_account_homepage`` named by ``xapi_actor_id``:
    # ``hash`` (default: HMAC-SHA256 of the user id with the secret key, opaque and stable while
    # the key is), ``user_id``, or ``username`` (names the learner: only if the LRS must).
    xapi_account_homepage: str = "https://compassion-practice.invalid"
    xapi_activity_base: str = "https://compassion-practice.invalid/xapi"  # scenario, cohort and course IRIs
    xapi_actor_id: Literal["hash", "user_id", "username"] = "hash"
    xapi_include_name: bool = False  # the learner's display name (or username) as the actor's ``name``
    xapi_include_words: bool = False  # the learner's replies as ``result.response``
    xapi_platform: str = "compassion-practice"
    # Push to an LRS when a session ends: off while the URL is empty. Credentials only from the
    # environment (or a secrets manager filling it), never a file in the repo.
    xapi_lrs_url: str = ""
    xapi_lrs_username: str | None = None
    xapi_lrs_password: str | None = Field(default=None, repr=False)
    xapi_lrs_attempts: int = Field(default=5, ge=1, le=20)  # tries per session, then given up (logged)
    xapi_lrs_backoff: float = Field(default=2.0, ge=0)  # seconds before the second try, doubling, at most 60
    xapi_lrs_timeout: float = Field(default=10.0, gt=0)

    @field_validator("rasa_url", "api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return ",".join(url.strip().rstrip("/") for url in value.split(",") if url.strip())

    @field_validator("xapi_activity_base", "xapi_lrs_url")
    @classmethod
    def _one_url_no_trailing_slash(cls, value: str) -> str:
        return value.strip().rstrip("/")

    @property
    def rasa_urls(self) -> list[str]:
        """Every Rasa server the API may send a turn to (one, unless scaled out)."""
        return self.rasa_url.split(",")

    @model_validator(mode="after")
    def _local_addresses(self) -> Settings:
        """Unset addresses point at this machine's servers, on the configured ports."""
        if not self.rasa_url:
            self.rasa_url = f"http://{LOOPBACK}:{self.rasa_port}"
        if not self.api_url:
            self.api_url = f"http://{LOOPBACK}:{self.port}"
        return self

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

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
