"""`practice run --engines N --workers M`: what the supervisor starts and how it wires it, without
starting Rasa (tests/e2e/test_scaled_engines.py runs the real thing)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from practice.commands.service import topology
from practice.engine import RASA_LOGGING, RASA_LOGGING_CONFIG
from practice.supervisor import (
    LOCK_PASSWORD_ENV,
    TRACKER_URL_ENV,
    Stack,
    StackConfig,
    StackError,
    _Service,
    rasa_tracker_url,
    redis_answers,
    write_endpoints,
)

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/practice"


@pytest.fixture(autouse=True)
def _rasa_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "rasa"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PRACTICE_RASA_BIN", str(fake))


def config(tmp_path: Path, **kw) -> StackConfig:
    return StackConfig(model=tmp_path / "model.tar.gz", state_dir=tmp_path, **kw)


def built(cfg: StackConfig) -> dict[str, _Service]:
    stack = Stack(cfg)
    stack.run_dir.mkdir(parents=True, exist_ok=True)
    return {service.name: service for service in stack._build_services()}


def test_the_default_is_one_of_each_on_sqlite_with_no_lock_store(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    cfg.check_topology()
    services = built(cfg)
    assert list(services) == ["action server", "Rasa server", "API"]
    endpoints = yaml.safe_load(write_endpoints(cfg, tmp_path).read_text())
    assert endpoints["tracker_store"] == {"type": "SQL", "dialect": "sqlite", "db": str(cfg.tracker_db)}
    assert "lock_store" not in endpoints
    assert "--workers" not in services["API"].argv
    assert topology(cfg) == "1 Rasa server, 1 action server, 1 API process"


def test_two_engines_share_a_postgresql_tracker_store_and_a_redis_lock_store(tmp_path: Path) -> None:
    cfg = config(tmp_path, engines=2, api_workers=3, database_url=PG, rasa_port=6005, action_port=6055)
    cfg.check_topology()
    services = built(cfg)
    assert list(services) == ["action server", "Rasa server", "action server 2", "Rasa server 2", "API"]
    assert cfg.ports == [6005, 6006, 6055, 6056, cfg.api_port]
    first, second = (yaml.safe_load(write_endpoints(cfg, tmp_path, n).read_text()) for n in (0, 1))
    assert first["action_endpoint"]["url"] == "http://127.0.0.1:6055/webhook"
    assert second["action_endpoint"]["url"] == "http://127.0.0.1:6056/webhook"  # each its own action server
    assert first["tracker_store"] == second["tracker_store"] == {"type": "SQL", "url": f"${{{TRACKER_URL_ENV}}}"}
    assert first["lock_store"] == second["lock_store"]
    lock = first["lock_store"]
    assert lock["type"] == "redis" and lock["url"] == "127.0.0.1" and lock["port"] == 6379 and lock["db"] == 0
    assert str(lock["key_prefix"]).isalnum()  # Rasa refuses any other prefix
    # Rasa reads the tracker store's URL (psycopg2 driver) from its environment; the API forgets there too.
    tracker = "postgresql+psycopg://postgres@127.0.0.1:5432/practice_engine"
    assert services["Rasa server 2"].env[TRACKER_URL_ENV] == "postgresql://postgres@127.0.0.1:5432/practice_engine"
    assert services["API"].env["PRACTICE_ENGINE_TRACKER_URL"] == tracker
    assert services["API"].env["PRACTICE_RASA_URL"] == "http://127.0.0.1:6005,http://127.0.0.1:6006"
    assert services["API"].argv[-3:-1] == ["--workers", "3"]
    assert topology(cfg) == "2 Rasa servers, 2 action servers, 3 API processes"


def test_a_redis_password_stays_out_of_the_endpoints_file(tmp_path: Path) -> None:
    cfg = config(tmp_path, engines=2, database_url=PG, redis_url="redis://:s3cret@cache.internal:6380/2")
    text = write_endpoints(cfg, tmp_path).read_text()
    assert "s3cret" not in text
    lock = yaml.safe_load(text)["lock_store"]
    assert (lock["url"], lock["port"], lock["db"], lock["password"]) == (
        "cache.internal",
        6380,
        2,
        f"${{{LOCK_PASSWORD_ENV}}}",
    )
    assert built(cfg)["Rasa server"].env[LOCK_PASSWORD_ENV] == "s3cret"


@pytest.mark.parametrize(("engines", "workers"), [(2, 1), (1, 2)])
def test_a_scaled_topology_on_sqlite_is_refused_with_what_to_set(tmp_path: Path, engines: int, workers: int) -> None:
    with pytest.raises(StackError, match="PRACTICE_DATABASE_URL"):
        config(tmp_path, engines=engines, api_workers=workers).check_topology()


def test_a_given_tracker_store_is_used_as_it_is(tmp_path: Path) -> None:
    cfg = config(tmp_path, engines=2, database_url=PG, engine_tracker_url="postgresql://rasa:pw@db.internal/trackers")
    assert cfg.resolved_tracker_url == "postgresql://rasa:pw@db.internal/trackers"
    assert rasa_tracker_url("postgresql+psycopg://rasa:pw@db.internal/trackers") == (
        "postgresql://rasa:pw@db.internal/trackers"
    )


def test_no_redis_is_told_before_anything_starts(tmp_path: Path) -> None:
    from practice.supervisor import free_port_block

    base = free_port_block(6)  # two Rasa servers, two action servers, the API, and where no Redis is
    nothing_there = f"redis://127.0.0.1:{base + 5}/0"
    assert not redis_answers(nothing_there, timeout=0.5)
    cfg = config(
        tmp_path,
        engines=2,
        database_url=PG,
        redis_url=nothing_there,
        rasa_port=base,
        action_port=base + 2,
        api_port=base + 4,
    )
    with pytest.raises(StackError, match="no Redis answers"):
        Stack(cfg).start()


def test_one_engine_s_sqlite_tracker_store_uses_the_write_ahead_log(tmp_path: Path) -> None:
    import sqlite3

    from practice.supervisor import use_write_ahead_log

    trackers = tmp_path / "state" / "rasa-trackers.db"
    use_write_ahead_log(trackers)
    with sqlite3.connect(trackers) as rasa:  # as Rasa's own connection will find it
        assert rasa.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_block_of_free_ports_is_free_throughout() -> None:
    from practice.supervisor import free_port_block, port_is_free

    base = free_port_block(5)
    assert all(port_is_free("127.0.0.1", base + offset) for offset in range(5))


def test_the_rasa_server_logs_through_the_filter_that_withholds_learner_text(tmp_path: Path) -> None:
    rasa = built(config(tmp_path))["Rasa server"]
    at = rasa.argv.index("--logging-config-file")
    assert rasa.argv[at + 1] == str(RASA_LOGGING_CONFIG)
    assert rasa.env["PYTHONPATH"] == str(RASA_LOGGING)  # where the config's filter is imported from
