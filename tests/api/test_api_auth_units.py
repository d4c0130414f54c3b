"""The auth module's parts: the signing key kept in var/, tokens, passwords, the SSO seam."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta

import pytest

from actions.settings import Settings
from api.auth.bootstrap import UserProblem, create_user
from api.auth.passwords import hash_password, verify_password
from api.auth.tokens import InvalidToken, decode_access_token, issue_access_token, resolve_secret_key


def test_the_secret_key_is_generated_once_into_var_with_mode_0600(tmp_path):
    settings = Settings(var_dir=tmp_path / "var", secret_key=None)
    key = resolve_secret_key(settings)
    path = tmp_path / "var" / "secret_key"
    assert len(key) >= 43 and path.read_text().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert resolve_secret_key(settings) == key  # kept, not regenerated
    assert resolve_secret_key(Settings(var_dir=tmp_path / "var", secret_key="from-env")) == "from-env"


def test_the_secret_key_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PRACTICE_SECRET_KEY", "k" * 40)
    assert resolve_secret_key(Settings(var_dir=tmp_path)) == "k" * 40
    assert not (tmp_path / "secret_key").exists()
    assert "k" * 40 not in repr(Settings())


def test_tokens_round_trip_and_expire():
    secret = "s" * 40
    token, lifetime = issue_access_token(user_id=7, token_version=2, secret=secret, minutes=30)
    claims = decode_access_token(token, secret=secret)
    assert (claims.user_id, claims.token_version, lifetime) == (7, 2, 1800)
    old, _ = issue_access_token(
        user_id=7, token_version=2, secret=secret, minutes=30, now=datetime.now(UTC) - timedelta(minutes=31)
    )
    with pytest.raises(InvalidToken, match="expired"):
        decode_access_token(old, secret=secret)
    with pytest.raises(InvalidToken):
        decode_access_token(token, secret="t" * 40)


def test_passwords_are_hashed_with_argon2():
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse battery")
    assert not verify_password(hashed, "wrong")
    assert not verify_password(None, "anything")
    assert not verify_password("not a hash", "anything")


def test_create_user_checks_role_name_and_password(db):
    with pytest.raises(UserProblem, match="role 'king'"):
        create_user(db, username="kim", password="long enough", role="king")
    with pytest.raises(UserProblem, match="not allowed"):
        create_user(db, username="-bad name", password="long enough")
    with pytest.raises(UserProblem, match="too short"):
        create_user(db, username="kim", password="short")
