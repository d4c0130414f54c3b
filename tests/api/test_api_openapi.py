"""The OpenAPI document describes every operation: a summary and description, its error
responses in the one error shape, and the OAuth2 sign-in on every non-public operation."""

from __future__ import annotations

PUBLIC = {
    ("get", "/api/health"),
    ("get", "/api/scenarios"),
    ("get", "/api/scenarios/{scenario_id}"),
    ("post", "/api/auth/token"),
}


async def test_every_operation_is_described_and_protected(anon):
    doc = (await anon.get("/openapi.json")).json()
    assert (
        doc["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"]
        == "/api/auth/token"
    )
    assert doc["components"]["schemas"]["ErrorResponse"]["properties"]["error"]
    operations = [(m, p, op) for p, item in doc["paths"].items() for m, op in item.items()]
    assert len(operations) >= 35
    for method, path, op in operations:
        assert op.get("description"), (method, path)
        assert op.get("tags"), (method, path)
        if (method, path) in PUBLIC:
            continue
        assert op.get("security") == [{"OAuth2PasswordBearer": []}], (method, path)
        assert "401" in op["responses"], (method, path)
        error = op["responses"]["401"]["content"]["application/json"]["schema"]["$ref"]
        assert error.endswith("/ErrorResponse"), (method, path)
