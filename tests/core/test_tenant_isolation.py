"""Walk every URL of the project as people who must not see network A's data.

The walk reads the URL resolver, so a URL added tomorrow is walked tomorrow: if it takes a
parameter this file does not know, the test fails and asks for a filler (an object of
network A), rather than silently skipping it.
"""

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from bookings.services import book_resource
from members.models import Role
from places.models import OpeningException, ResourceBlock
from tests import factories as f
from tests.conftest import NOW, local

# URLs anybody may open, with the reason.
PUBLIC = {
    "home": "entry page, lists only the visitor's networks and open ones",
    "set_language": "language switch",
    "join_network": "an open network accepts requests to join (closed ones give 404, tested)",
    "openapi-json": "the API's description (no data)",
    "openapi-view": "the API's documentation page (no data)",
    "calendar_feed": "capability URL: the secret token is the credential (walked with a wrong "
                     "token below, which must 404)",
    "directory_search": "public directory of every network's active places (issue 5)",
    "directory_communes": "commune suggestions from the open communes file (no network data)",
    "directory_place": "public page of an active place: what the directory already shows",
    "directory_guest_confirm": "capability URL: the signed token is the credential (a wrong "
                               "token must 404, tested in tests/directory)",
    "directory_places_geojson": "open data: the public places as GeoJSON",
    "directory_places_csv": "open data: the public places as CSV",
    "directory_widget": "embeddable widget: the active places and free desks the public "
                        "directory already shows",
    "list_places": "public API of the directory: the open-data fields of active places",
    "place_availability": "public API: free seats of an active place's non-members-only "
                          "resources, what its public page offers to book",
    "payments_webhook": "payment provider's webhook: the signature is the credential (a bad "
                        "signature gets 400, tested in tests/payments)",
}
PUBLIC_PREFIXES = ("comptes/",)  # allauth: log in, sign up, password reset
ADMIN_PREFIX = "admin/"


def _walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def all_patterns():
    return list(_walk(get_resolver()))


@pytest.fixture
def fillers(world):
    """One object of network A for each kind of URL parameter."""
    day = dt.date(2026, 11, 24)
    booking = book_resource(world.member, world.desks, start=local(day, 9), end=local(day, 13),
                            actor=world.member.user, now=NOW)
    block = ResourceBlock.objects.create(network=world.network, resource=world.room,
                                         start=local(day, 9), end=local(day, 10), reason="x")
    exception = OpeningException.objects.create(network=world.network, site=world.site,
                                                start_date=day, end_date=day)
    organisation = f.make_organisation(world.network)
    role = Role.objects.filter(member=world.concierge).first()
    from access.services import issue_badge

    credential = issue_badge(world.member, "A0A0A0A0", actor=None)
    from access.services import register_controller

    controller, _secret = register_controller(world.site, "Porte", actor=None)
    from territory.models import PlanningRun

    run = PlanningRun.objects.create(network=world.network, created_at=NOW, kind="coverage",
                                     parameters={})
    from billing.models import Plan
    from billing.services import LineInput, draft_invoice, issue_invoice

    world.network.legal_name, world.network.siren = "Réseau Vercors", "123456789"
    world.network.siret, world.network.address = "12345678900018", "1 place de la Mairie"
    world.network.save()
    invoice = issue_invoice(draft_invoice(world.network, lines=[LineInput("x", 10)],
                                          service_start=day, service_end=day,
                                          buyer_member=world.member),
                            issue_date=NOW.date(), actor=None, now=NOW)
    from payments.models import DirectDebitBatch, Mandate

    mandate = Mandate.objects.create(network=world.network, debtor_member=world.member,
                                     debtor_name="Camille Martin", bic="AGRIFRPP",
                                     iban="FR7630006000011234567890189", rum="VERCORS-1",
                                     signed_on=day, created_at=NOW)
    batch = DirectDebitBatch.objects.create(network=world.network, collection_date=day,
                                            message_id="VERCORS-1", created_at=NOW)
    from billing.models import BillingRun

    billing_run = BillingRun.objects.create(network=world.network,
                                            period_start=dt.date(2026, 10, 1),
                                            period_end=dt.date(2026, 10, 31))
    return {
        "network_slug": world.network.slug,
        "slug": world.network.slug,
        "site_slug": world.site.slug,
        "site_id": world.site.pk,
        "resource_id": world.desks.pk,
        "booking_id": booking.pk,
        "block_id": block.pk,
        "exception_id": exception.pk,
        "member_id": world.member.pk,
        "organisation_id": organisation.pk,
        "role_id": role.pk,
        "run_id": run.pk,
        "billing_run_id": billing_run.pk,
        "token": "not-the-right-token",
        "credential_id": credential.pk,
        "invoice_id": invoice.pk,
        "controller_id": controller.pk,
        "invitation_id": _invitation(world, day).pk,
        "mandate_id": mandate.pk,
        "batch_id": batch.pk,
        "family": "abonnements",  # a catalogue family (billing/urls_catalogue.py)
        "item_id": Plan.objects.create(network=world.network, name="x", price=1,
                                       allowance="unlimited").pk,
        **_holdings(world, day),
    }


def _holdings(world, day):
    from billing.models import Plan, PriceGroup, PriceGroupMembership, Subscription

    plan = Plan.objects.create(network=world.network, name="y", price=1, allowance="unlimited")
    group = PriceGroup.objects.create(network=world.network, kind="student", name="Étudiants")
    return {
        "subscription_id": Subscription.objects.create(network=world.network, member=world.member,
                                                       plan=plan, starts_on=day).pk,
        "membership_id": PriceGroupMembership.objects.create(
            network=world.network, member=world.member, price_group=group).pk,
    }


def _invitation(world, day):
    from access.models import Invitation

    return Invitation.objects.create(network=world.network, site=world.site,
                                     member=world.member, guest_name="Invitée",
                                     guest_email="invitee@example.org", day=day, created_at=NOW)


def _build(route: str, fillers) -> str:
    import re

    def sub(match):
        name = match.group(2)
        if name not in fillers:
            raise AssertionError(
                f"URL {route!r} takes <{name}>: add a network-A object for it to `fillers` in "
                f"{__file__}")
        return str(fillers[name])

    path = re.sub(r"<(?:(\w+):)?(\w+)>", sub, route)
    path = re.sub(r"\{(\w+)\}", lambda m: str(fillers[m.group(1)]), path)  # ninja routes
    return "/" + path.lstrip("^").rstrip("$")


def _network_urls(fillers):
    urls = []
    for route, pattern in all_patterns():
        name = pattern.name
        if name in PUBLIC or route.startswith(PUBLIC_PREFIXES) or route.startswith(ADMIN_PREFIX):
            continue
        if "<path:" in route or "(?P<" in route:
            continue  # static files / ninja docs assets with regex catch-alls: no network data
        urls.append((name, _build(route, fillers)))
    return urls


@pytest.mark.parametrize("persona", ["outsider", "concierge_b"])
def test_no_url_of_network_a_opens_for_others(client, world, fillers, persona):
    user = world.outsider if persona == "outsider" else world.concierge_b.user
    client.force_login(user)
    urls = _network_urls(fillers)
    assert len(urls) >= 10  # the walk really walks
    leaks = []
    for name, url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            # 405 (wrong method) is decided before any lookup: it reveals nothing of network A.
            if response.status_code not in (401, 403, 404, 405):
                leaks.append((method.upper(), url, name, response.status_code))
    assert leaks == [], "\n".join(map(str, leaks))


def test_anonymous_visitors_are_sent_to_log_in_or_refused(client, world, fillers):
    problems = []
    for name, url in _network_urls(fillers):
        response = client.get(url)
        if response.status_code == 302:
            if "/comptes/login/" not in response["Location"]:
                problems.append((url, name, response["Location"]))
        elif response.status_code not in (401, 403, 404, 405):
            problems.append((url, name, response.status_code))
    assert problems == [], "\n".join(map(str, problems))


def test_admin_is_only_for_platform_operators(client, world):
    client.force_login(world.coordinator.user)  # a network coordinator is not a platform admin
    response = client.get("/admin/bookings/booking/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_closed_network_cannot_be_joined(client, world):
    world.network.open_registration = False
    world.network.save()
    client.force_login(world.outsider)
    assert client.get(f"/r/{world.network.slug}/rejoindre/").status_code == 404


def test_public_allow_list_names_exist():
    names = {p.name for _, p in all_patterns()}
    assert set(PUBLIC) <= names
