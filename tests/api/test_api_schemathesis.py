"""Schemathesis generates requests for every operation in the OpenAPI schema and checks that
none answers with a server error. Signed in as a learner (who owns a session) and, in a
second pass, as an admin who facilitates the learner's cohort; fake engine, one migrated
SQLite database for the module, new users for every operation. Kept under a minute:
MAX_EXAMPLES generated cases per operation, plus schemathesis' boundary (coverage) cases."""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from starlette.testclient import TestClient

from actions.settings import Settings
from api.auth.bootstrap import create_user
from api.engine.fake import FakeEngine
from api.main import create_app
from api.models import CohortMember
from tests.api.conftest import SECRET, bearer
from tests.api.fakes import SCENARIOS

MAX_EXAMPLES = 5


@pytest.fixture(scope="module")
def started(tmp_path_factory):
    """One started app for the module (migrated SQLite, fake engine); each case signs in afresh."""
    from argon2 import PasswordHasher

    from api.auth import passwords

    tmp_path = tmp_path_factory.mktemp("schemathesis")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        app = create_app(
            Settings(database_url=f"sqlite:///{tmp_path / 'practice.db'}", secret_key=SECRET, var_dir=tmp_path),
            engine_client=FakeEngine(),
            scenario_loader=lambda: SCENARIOS,
            scorer_rebuilder=lambda corrections: {"error": "no real scorer build in this test"},
        )
        with TestClient(app) as client:  # runs the lifespan: migrated database, sessionmaker
            yield app, client


@pytest.fixture(params=["learner", "admin"])
def signed_in(request, started):
    """New users for every operation (a case may delete or deactivate them): a learner who owns
    a session with a turn, and for the admin pass an admin who facilitates the learner's cohort."""
    app, client = started
    tag = uuid.uuid4().hex[:8]
    with app.state.sessionmaker() as db:
        learner = create_user(db, username=f"lena-{tag}", password="correct horse battery", role="learner")
        user = (
            learner
            if request.param == "learner"
            else create_user(db, username=f"ada-{tag}", password="correct horse battery", role="admin")
        )
    headers = bearer(app, user)
    if request.param == "admin":
        cohort = client.post("/api/cohorts", json={"name": f"Course {tag}"}, headers=headers).json()
        with app.state.sessionmaker() as db:
            db.add_all(
                [
                    CohortMember(cohort_id=cohort["id"], user_id=user.id, role="facilitator"),
                    CohortMember(cohort_id=cohort["id"], user_id=learner.id, role="learner"),
                ]
            )
            db.commit()
    session = client.post("/api/sessions", json={"scenario_id": "front_desk"}, headers=bearer(app, learner)).json()
    client.post(f"/api/sessions/{session['id']}/turns", json={"text": "Hello"}, headers=bearer(app, learner))
    return client, headers


def _schema() -> dict:
    """The OpenAPI document of an app that is never started (no database, no engine calls)."""
    app = create_app(
        Settings(database_url="sqlite://", secret_key=SECRET),
        engine_client=FakeEngine(),
        scenario_loader=lambda: SCENARIOS,
    )
    return app.openapi()


schema = schemathesis.openapi.from_dict(_schema())


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_with_a_server_error(case, signed_in):
    client, headers = signed_in
    response = client.request(**case.as_transport_kwargs(base_url="http://testserver", headers=headers))
    case.validate_response(response, checks=[not_a_server_error])
