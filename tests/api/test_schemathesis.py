"""schemathesis against the OpenAPI description, through the Django WSGI app: every operation,
public and authenticated, must answer without a server error and within its documented
responses and schemas. Bounded and deterministic (derandomized Hypothesis, few examples)."""

import datetime as dt

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bookings.services import book_resource
from territory.models import Commune
from tests.conftest import NOW, local
from tests.directory.conftest import COMMUNES

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
MAX_EXAMPLES = 12
# Real values half of the time, so the examples reach past the 404s into the endpoints' logic.
NETWORKS = st.sampled_from(["vercors", "gers", "nulle-part"])
SITES = st.sampled_from(["autrans", "villard", "auch", "inconnu"])


@pytest.fixture
def wsgi_app():
    """The real WSGI handler, minus the connection closing at each request's start and end
    (as Django's test client does): the test's transaction must survive the requests."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def schema(world, keys, wsgi_app):
    for code, name, postcodes, pop, lat, lon, dep in COMMUNES:
        Commune.objects.create(insee_code=code, name=name, postcodes=postcodes,
                               population=pop, latitude=lat, longitude=lon, department=dep)
    book_resource(world.member, world.desks, start=local(dt.date(2026, 11, 24), 9),
                  end=local(dt.date(2026, 11, 24), 13), actor=world.member.user, now=NOW)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)


def operations(schema, *, public):
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.path.startswith("/api/v1/places")) == public:
            found.append(operation)
    return found


def exercise(operation, headers):
    @given(case=operation.as_strategy(), network=NETWORKS, site=SITES)
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    def run(case, network, site):
        if case.path_parameters:
            if "network_slug" in case.path_parameters:
                case.path_parameters["network_slug"] = network
            if "site_slug" in case.path_parameters:
                case.path_parameters["site_slug"] = site
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_public_endpoints_conform_to_the_schema(schema, pinned_now):
    found = operations(schema, public=True)
    assert len(found) == 2
    for operation in found:
        exercise(operation, headers={})


@pytest.mark.parametrize("persona", ["member", "coordinator", "outsider"])
def test_authenticated_endpoints_conform_to_the_schema(schema, keys, persona, pinned_now):
    found = operations(schema, public=False)
    assert len(found) == 6
    for operation in found:
        exercise(operation, headers={"Authorization": f"Bearer {keys[persona]}"})


def test_network_key_conforms_to_the_schema(schema, world, pinned_now):
    from api.models import NetworkApiKey

    key = NetworkApiKey.issue(world.network, "schemathesis")[1]
    for operation in operations(schema, public=False):
        exercise(operation, headers={"Authorization": f"Bearer {key}"})
