from django.core.management import call_command

from bookings.models import Booking
from members.models import Member, Role
from places.models import Network, Resource, Site
from territory.models import Commune


def test_demo_loads_the_vercors_network_through_the_services(db, capsys):
    call_command("load_demo")
    vercors = Network.objects.get(slug="vercors")
    sites = {s.slug: s for s in Site.objects.filter(network=vercors)}
    assert set(sites) == {"autrans", "villard", "lans"}
    seats = {s: sum(r.seats for r in Resource.objects.filter(site=site, kind="open_space"))
             for s, site in sites.items()}
    assert seats == {"autrans": 8, "villard": 5, "lans": 3}
    assert Resource.objects.filter(site=sites["autrans"], kind="visio_point").count() == 1
    assert Member.objects.filter(network=vercors).count() == 42
    assert Role.objects.filter(network=vercors).count() == 2
    bookings = Booking.objects.filter(network=vercors)
    assert bookings.count() > 200
    assert set(bookings.values_list("source", flat=True)) == {"import"}
    assert Commune.objects.filter(insee_code="38548", latitude__isnull=False).exists()  # planner
    out = capsys.readouterr().out
    assert "coordination@demo.maillage.test" in out and "maillage-demo" in out
    # Idempotent: a second run changes nothing.
    count = bookings.count()
    call_command("load_demo")
    assert Booking.objects.filter(network=vercors).count() == count
