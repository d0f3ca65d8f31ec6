"""Who gets in: personal bearer tokens, scoped to the owner's active memberships."""

import pytest

from members.models import ApiToken
from tests.api.conftest import ApiClient
from tests.conftest import NOW

UNAUTHORIZED = {"error": {
    "code": "unauthorized",
    "message": "Jeton d'API manquant ou invalide : envoyez l'en-tête "
               "« Authorization: Bearer <clé> ».",
    "details": {},
}}
NETWORK_NOT_FOUND = {"error": {"code": "not_found", "message": "Réseau introuvable.",
                               "details": {}}}

# Every endpoint, as (method, path); bodies are valid enough to reach the auth/scope checks.
ENDPOINTS = [
    ("get", "/api/v1/networks/vercors/sites"),
    ("get", "/api/v1/networks/vercors/sites/autrans/availability?date=2026-11-24"),
    ("get", "/api/v1/networks/vercors/bookings"),
    ("post", "/api/v1/networks/vercors/bookings"),
    ("post", "/api/v1/networks/vercors/bookings/1/cancel"),
]


def call(api, method, path, **kw):
    if method == "get":
        return api.get(path, **kw)
    return api.post(path, {"resource_id": 1, "date": "2026-11-24", "slot": "morning"}, **kw)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_no_token_is_401(client, world, method, path):
    response = call(ApiClient(client), method, path)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_unknown_token_is_401(client, keys, method, path):
    response = call(ApiClient(client, "mlg_not-a-real-key"), method, path)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


@pytest.mark.parametrize("header", ["Token {key}", "Basic {key}", "{key}", "Bearer"])
def test_malformed_authorization_header_is_401(client, keys, header):
    response = client.get("/api/v1/networks/vercors/sites",
                          headers={"Authorization": header.format(key=keys["member"])})
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_token_of_a_deactivated_user_is_401(api, world):
    world.member.user.is_active = False
    world.member.user.save()
    response = api.get("/api/v1/networks/vercors/sites")
    assert response.status_code == 401


def test_valid_token_records_last_use(api, keys):
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(keys["member"]))
    assert token.last_used_at is None
    assert api.get("/api/v1/networks/vercors/sites").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == NOW


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_person_of_another_network_gets_404(api, keys, method, path):
    response = call(api, method, path, key=keys["concierge_b"])
    assert response.status_code == 404
    assert response.json() == NETWORK_NOT_FOUND


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_outsider_gets_404(api, keys, method, path):
    response = call(api, method, path, key=keys["outsider"])
    assert response.status_code == 404
    assert response.json() == NETWORK_NOT_FOUND


def test_unknown_network_gets_the_same_404(api):
    response = api.get("/api/v1/networks/nulle-part/sites")
    assert response.status_code == 404
    assert response.json() == NETWORK_NOT_FOUND


def test_inactive_membership_gets_404(api, world):
    world.member.is_active = False
    world.member.save()
    response = api.get("/api/v1/networks/vercors/bookings")
    assert response.status_code == 404
    assert response.json() == NETWORK_NOT_FOUND


def test_openapi_schema_and_docs_are_public(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    body = schema.json()
    assert sorted(body["paths"]) == [
        "/api/v1/networks/{network_slug}/bookings",
        "/api/v1/networks/{network_slug}/bookings/{booking_id}/cancel",
        "/api/v1/networks/{network_slug}/members",
        "/api/v1/networks/{network_slug}/sites",
        "/api/v1/networks/{network_slug}/sites/{site_slug}/availability",
        "/api/v1/places",
        "/api/v1/places/{network_slug}/{site_slug}/availability",
    ]
    # The public directory needs no credential.
    assert "security" not in body["paths"]["/api/v1/places"]["get"]
    assert body["components"]["securitySchemes"] == {
        "PersonalToken": {"type": "http", "scheme": "bearer"}}
    create = body["paths"]["/api/v1/networks/{network_slug}/bookings"]["post"]
    assert sorted(create["responses"]) == ["201", "400", "401", "403", "404", "409"]
    assert client.get("/api/v1/docs").status_code == 200


def test_unknown_endpoint_answers_in_the_error_shape(client):
    response = client.get("/api/v1/networks/vercors/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found",
                                         "message": "Point d'accès inconnu.", "details": {}}}
