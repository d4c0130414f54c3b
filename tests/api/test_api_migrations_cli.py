"""Alembic migrations match the models; the `practice db` and `practice user` commands."""

from __future__ import annotations

import argparse
import io
import sys

from sqlalchemy import create_engine, inspect, text

from api.db import Base, make_database
from api.migrate import current_revision, upgrade
from practice.commands import db as db_cmd
from practice.commands import users as users_cmd

HEAD = "0013"  # the newest revision under api/migrations/versions/


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="practice")
    sub = parser.add_subparsers(dest="command", required=True)
    db_cmd.add_parser(sub)
    users_cmd.add_parser(sub)
    return parser.parse_args(argv)


def test_migrations_match_the_models(settings):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import api.models  # noqa: F401 - registers the tables on Base.metadata

    database = make_database(settings)
    upgrade(database)
    with database.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    database.dispose()
    assert diff == []


def test_a_database_from_before_migrations_is_stamped_then_upgraded(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = create_engine(url)
    with old.begin() as c:  # what create_all made before Alembic
        c.execute(
            text(
                "CREATE TABLE practice_sessions (id VARCHAR(32) PRIMARY KEY, scenario_id VARCHAR(100) NOT NULL, "
                "status VARCHAR(16) NOT NULL, seed INTEGER NOT NULL, opening JSON NOT NULL, closing JSON NOT NULL, "
                "outcome VARCHAR(32), end_reason VARCHAR(32), summary JSON, created_at DATETIME NOT NULL, ended_at DATETIME)"
            )
        )
        c.execute(
            text(
                "CREATE TABLE turns (id INTEGER PRIMARY KEY, session_id VARCHAR(32) NOT NULL REFERENCES practice_sessions(id), "
                '"index" INTEGER NOT NULL, learner_text TEXT NOT NULL, patient_lines JSON NOT NULL, score_card JSON, '
                "status VARCHAR(16) NOT NULL, created_at DATETIME NOT NULL, answered_at DATETIME)"
            )
        )
        c.execute(
            text(
                "INSERT INTO practice_sessions VALUES ('s1', 'front_desk', 'ended', 1, '[]', '[]', NULL, NULL, NULL, '2026-01-01', NULL)"
            )
        )
    old.dispose()
    from actions.settings import Settings

    database = make_database(Settings(database_url=url))
    upgrade(database)
    assert current_revision(database) == HEAD
    with database.connect() as c:
        assert c.execute(text("SELECT id, owner_id FROM practice_sessions")).all() == [("s1", None)]
    database.dispose()


def test_practice_db_upgrade(settings, capsys):
    args = parse("db", "upgrade")
    assert args.handler(args, settings=settings) == 0
    assert f"is at revision {HEAD}" in capsys.readouterr().out


def test_practice_user_create_makes_the_first_admin_who_can_sign_in(settings, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("a strong password\n"))
    args = parse("user", "create", "--role", "admin", "--username", "ada", "--password-stdin")
    assert args.handler(args, settings=settings) == 0
    assert "Created admin 'ada'" in capsys.readouterr().out

    from api.auth.passwords import verify_password
    from api.db import make_sessionmaker
    from api.models import User

    database = make_database(settings)
    with make_sessionmaker(database)() as db:
        ada = db.query(User).filter_by(username="ada").one()
        assert ada.role == "admin" and verify_password(ada.password_hash, "a strong password")
        assert ada.password_hash != "a strong password"
    database.dispose()

    monkeypatch.setattr(sys, "stdin", io.StringIO("another password\n"))
    assert args.handler(args, settings=settings) == 1
    assert "'ada' is taken" in capsys.readouterr().err


def test_practice_user_create_refuses_a_short_password_and_a_bad_role(settings, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    args = parse("user", "create", "--username", "lena", "--password-stdin")
    assert args.handler(args, settings=settings) == 1
    assert "too short" in capsys.readouterr().err
    try:
        parse("user", "create", "--username", "x", "--role", "king")
    except SystemExit as exc:
        assert exc.code == 2


def test_practice_user_create_without_a_terminal_asks_for_stdin(settings, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    args = parse("user", "create", "--username", "lena")
    assert args.handler(args, settings=settings) == 1
    assert "--password-stdin" in capsys.readouterr().err


def test_dropping_the_sso_columns_keeps_every_user_and_reverses(settings):
    """0003 copies the users table without the unused single sign-on columns (SQLite needs a
    copy), keeps every account, and its downgrade brings the columns back."""
    from alembic import command

    from api.migrate import alembic_config

    database = make_database(settings)
    upgrade(database, "0002")
    with database.begin() as c:
        c.execute(
            text(
                "INSERT INTO users (username, role, is_active, token_version, created_at) "
                "VALUES ('sam', 'learner', true, 3, '2026-01-01 00:00:00')"
            )
        )
    upgrade(database)
    assert current_revision(database) == HEAD
    with database.connect() as c:
        assert c.execute(text("SELECT username, token_version FROM users")).all() == [("sam", 3)]
        columns = {col["name"] for col in inspect(c).get_columns("users")}
    assert not columns & {"identity_provider", "external_id"}
    config = alembic_config()
    with database.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    with database.connect() as c:
        columns = {col["name"] for col in inspect(c).get_columns("users")}
        assert {"identity_provider", "external_id"} <= columns
        assert c.execute(text("SELECT username FROM users")).all() == [("sam",)]
    database.dispose()


def test_the_turn_lease_columns_keep_every_session_and_turn_and_reverse(settings):
    """0005 adds the two lease columns, empty, to existing sessions; its downgrade drops them in
    place (no table copy, which on SQLite would cascade-delete the turns) and keeps every row."""
    from alembic import command

    from api.migrate import alembic_config

    database = make_database(settings)
    upgrade(database, "0004")
    with database.begin() as c:
        c.execute(
            text(
                "INSERT INTO users (username, role, is_active, token_version, created_at) "
                "VALUES ('sam', 'learner', true, 0, '2026-01-01 00:00:00')"
            )
        )
        owner = c.execute(text("SELECT id FROM users")).scalar_one()
        c.execute(
            text(
                "INSERT INTO practice_sessions (id, owner_id, scenario_id, status, seed, opening, closing, created_at) "
                "VALUES ('s1', :owner, 'front_desk', 'active', 1, '[]', '[]', '2026-01-01 00:00:00')"
            ),
            {"owner": owner},
        )
        c.execute(
            text(
                'INSERT INTO turns (session_id, "index", learner_text, patient_lines, status, created_at) '
                "VALUES ('s1', 1, 'Hello', '[]', 'answered', '2026-01-01 00:00:00')"
            )
        )
    upgrade(database)
    assert current_revision(database) == HEAD
    with database.connect() as c:
        lease = c.execute(text("SELECT turn_lease_owner, turn_lease_until FROM practice_sessions")).all()
        assert lease == [(None, None)]
    config = alembic_config()
    with database.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    with database.connect() as c:
        columns = {col["name"] for col in inspect(c).get_columns("practice_sessions")}
        assert not columns & {"turn_lease_owner", "turn_lease_until"}
        assert c.execute(text("SELECT id FROM practice_sessions")).all() == [("s1",)]
        assert c.execute(text("SELECT learner_text FROM turns")).all() == [("Hello",)]
    database.dispose()


def test_upgrading_keeps_every_learner_s_sessions_and_turns(settings):
    """SQLite copies a table to change it (batch mode): with foreign keys on, dropping the old
    ``users`` table in 0003 cascaded to every practice session and turn. Migrations now run
    with SQLite's foreign keys off, as SQLite's own table-rebuild procedure asks."""
    database = make_database(settings)
    upgrade(database, "0002")
    with database.begin() as c:
        c.execute(
            text(
                "INSERT INTO users (id, username, role, is_active, token_version, created_at) "
                "VALUES (7, 'sam', 'learner', true, 0, '2026-01-01 00:00:00')"
            )
        )
        c.execute(
            text(
                "INSERT INTO practice_sessions (id, owner_id, scenario_id, status, seed, opening, closing, created_at) "
                "VALUES ('s1', 7, 'gp_reception_appointment', 'active', 1, '[]', '[]', '2026-01-01 00:00:00')"
            )
        )
        c.execute(
            text(
                'INSERT INTO turns (session_id, "index", learner_text, patient_lines, status, created_at) '
                "VALUES ('s1', 1, 'What happened?', '[]', 'answered', '2026-01-01 00:00:01')"
            )
        )
    upgrade(database)
    with database.connect() as c:
        assert c.execute(text("SELECT id, owner_id FROM practice_sessions")).all() == [("s1", 7)]
        assert c.execute(text("SELECT learner_text FROM turns")).all() == [("What happened?",)]
        if database.dialect.name == "sqlite":  # and the API's connections enforce them again
            assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
    database.dispose()
