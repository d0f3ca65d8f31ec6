"""Planner pages, background runs and the plan_territory command, with allow and deny."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from territory.models import Commune, CommuneKind, PlanningRun, RunStatus
from territory.services import execute_planning_run
from tests.conftest import NOW

CCMV = ("243801024", "CC du Massif du Vercors")
# Real coordinates of the shipped dataset (GeoNames); Corrençon has none there.
COMMUNES = [
    ("38021", "Autrans", CommuneKind.DELEGATED, None, 45.17605, 5.54271),
    ("38225", "Autrans-Méaudre en Vercors", CommuneKind.COMMUNE, 2936, 45.1302, 5.52853),
    ("38548", "Villard-de-Lans", CommuneKind.COMMUNE, 4328, 45.07156, 5.55637),
    ("38205", "Lans-en-Vercors", CommuneKind.COMMUNE, 2751, 45.12852, 5.58599),
    ("38433", "Saint-Nizier-du-Moucherotte", CommuneKind.COMMUNE, 1162, 45.17108, 5.63068),
    ("38129", "Corrençon-en-Vercors", CommuneKind.COMMUNE, 374, None, None),
]


@pytest.fixture
def vercors(world, settings):
    # 1.3 minutes per straight-line km, so the figures below can be checked by hand:
    # Autrans-Méaudre 6.8 min from the Autrans site, Lans-en-Vercors 8.2 (Autrans) and 8.8
    # (Villard), Saint-Nizier 9.0 (Autrans); Lans ↔ Saint-Nizier 7.7, Saint-Nizier 12.0 from
    # Autrans-Méaudre.
    settings.TERRITORY_TRAVEL_MODEL = {"detour": 1.3, "speed_kmh": 60, "short_speed_kmh": 60,
                                       "short_trip_km": 1}
    for code, name, kind, pop, lat, lon in COMMUNES:
        Commune.objects.create(insee_code=code, name=name, kind=kind, population=pop,
                               epci_code=CCMV[0], epci_name=CCMV[1], department="38",
                               region="84", latitude=lat, longitude=lon)
    return world


def url(world, name="territory_planner", **kw):
    return reverse(name, args=[world.network.slug, *kw.values()])


ASK = {"kind": "max_coverage", "scope": "epci", "minutes": 8, "new_places": 1,
       "target_percent": 90}


def test_coordinator_asks_and_reads_the_plan(client, vercors, django_capture_on_commit_callbacks):
    client.force_login(vercors.coordinator.user)
    assert client.get(url(vercors)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(vercors), ASK)
    run = PlanningRun.objects.get()
    assert response.status_code == 302
    assert response.url == url(vercors, "territory_run", run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.progress, run.network) == (RunStatus.DONE, 100, vercors.network)
    plan = run.result["plan"]
    # Lans and Saint-Nizier reach each other (7.7 min): either one covers everybody.
    [new] = [p["name"] for p in plan["new_places"]]
    assert new in ("Lans-en-Vercors", "Saint-Nizier-du-Moucherotte")
    assert plan["status"] == "optimal" and plan["share"] == 1.0 and plan["gap"] == 0
    t = run.result["territory"]
    assert (t["communes"], t["population"], t["unlocated_communes"]) == (4, 11177, 1)
    # Today within 8 min: Autrans-Méaudre (site in its delegated commune Autrans) and Villard.
    today = run.result["today"]
    assert today["covered_population"] == 2936 + 4328
    assert [(z["name"], z["minutes"]) for z in today["white_zones"]] == [
        ("Lans-en-Vercors", 8.2), ("Saint-Nizier-du-Moucherotte", 9.0)]
    page = client.get(response.url).content.decode()
    assert new in page and "Plan optimal (prouvé)" in page
    # The map: one dot per located commune, a square per site, a star for the new place.
    assert page.count("<circle ") == 4 and page.count('class="place"') == 2
    assert page.count('class="new-place"') == 1
    assert "<title>Villard-de-Lans (4328 hab.) : 0 min</title>" in page
    assert 'fill="#1a9850"' in page  # all within 8 min once the plan is applied
    assert "1 commune (374 habitants) n’a pas de coordonnées et n’est pas comptée" in page
    progress = client.get(url(vercors, "territory_run_progress", run_id=run.pk)).json()
    assert progress == {"status": "done", "progress": 100, "label": "Terminé", "active": False}


@pytest.mark.parametrize("who, status", [("member", 403), ("concierge", 403),
                                         ("concierge_b", 404), ("outsider", 404)])
def test_planner_refused_to_others(client, vercors, who, status):
    person = getattr(vercors, who)
    client.force_login(getattr(person, "user", person))
    assert client.get(url(vercors)).status_code == status
    assert client.post(url(vercors), ASK).status_code == status
    assert not PlanningRun.objects.exists()


def test_planner_needs_login(client, vercors):
    response = client.get(url(vercors))
    assert response.status_code == 302 and "/comptes/" in response.url


def make_run(network, **kw):
    kw.setdefault("status", RunStatus.DONE)
    return PlanningRun.objects.create(network=network, created_at=NOW, kind="coverage",
                                      parameters={"scope": "epci", "minutes": 10},
                                      result={}, **kw)


@pytest.mark.parametrize("who, status", [("coordinator", 200), ("member", 403),
                                         ("concierge", 403), ("outsider", 404)])
def test_run_pages_allow_and_deny(client, vercors, who, status):
    run = make_run(vercors.network, status=RunStatus.RUNNING, progress=40,
                   progress_label="Recherche")
    person = getattr(vercors, who)
    client.force_login(getattr(person, "user", person))
    assert client.get(url(vercors, "territory_run", run_id=run.pk)).status_code == status
    response = client.get(url(vercors, "territory_run_progress", run_id=run.pk))
    assert response.status_code == status
    if status == 200:
        assert response.json() == {"status": "running", "progress": 40, "label": "Recherche",
                                   "active": True}


def test_run_of_another_network_is_hidden(client, vercors):
    other = make_run(vercors.network_b)
    client.force_login(vercors.coordinator.user)
    assert client.get(url(vercors, "territory_run", run_id=other.pk)).status_code == 404
    assert client.get(url(vercors, "territory_run_progress", run_id=other.pk)).status_code == 404


def test_one_active_run_per_network(client, vercors):
    make_run(vercors.network, status=RunStatus.PENDING)
    client.force_login(vercors.coordinator.user)
    response = client.post(url(vercors), ASK, follow=True)
    assert "Un calcul est déjà en cours" in response.content.decode()
    assert PlanningRun.objects.count() == 1


def test_invalid_question_is_not_started(client, vercors):
    client.force_login(vercors.coordinator.user)
    response = client.post(url(vercors), {**ASK, "new_places": "", "excluded_communes": "abc"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"new_places", "excluded_communes"}
    assert not PlanningRun.objects.exists()


def test_run_without_communes_fails_with_a_clear_message(world):
    run = make_run(world.network, status=RunStatus.PENDING)
    execute_planning_run(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error.startswith("Aucune commune avec coordonnées dans le périmètre")
    assert execute_planning_run(run.pk) is None  # only pending runs are executed


def test_full_coverage_infeasible_is_explained(vercors, django_capture_on_commit_callbacks):
    run = PlanningRun.objects.create(
        network=vercors.network, created_at=NOW, kind="min_places",
        parameters={"scope": "epci", "minutes": 8, "target_percent": 100,
                    "excluded_communes": ["38205", "38433"]})
    execute_planning_run(run.pk)
    run.refresh_from_db()
    plan = run.result["plan"]
    assert plan["status"] == "infeasible" and plan["new_places"] == []
    assert plan["message"].startswith(
        "Couverture de 100,0 % impossible à 8 min : 1 commune (1 162 habitants) est à plus de "
        "8 min de tout emplacement possible — Saint-Nizier-du-Moucherotte (1 162 hab., 12 min)")


def test_plan_territory_command(vercors):
    out = io.StringIO()
    call_command("plan_territory", "vercors", "--kind", "max_coverage", "--new-places", "1",
                 "--minutes", "8", "--excluded-communes", "38433", stdout=out)
    text = out.getvalue()
    assert "Périmètre : CC du Massif du Vercors — 4 communes, 11177 habitants" in text
    assert "Aujourd'hui à 8 min ou moins : 7264 habitants (65.0 %)." in text
    assert "+ Lans-en-Vercors (38205), 6849 habitants à portée" in text
    assert "Zones blanches : 0 communes" in text
    with pytest.raises(CommandError, match="Réseau inconnu"):
        call_command("plan_territory", "nulle-part", stdout=io.StringIO())
    with pytest.raises(CommandError, match="new_places"):
        call_command("plan_territory", "vercors", "--kind", "max_coverage", stdout=io.StringIO())


def budget_post(response, **changes):
    """The page's own form, as the browser would send it, with some fields changed."""
    data = {}
    for form in (response.context["settings_form"],):
        for field in form:
            data[field.html_name] = field.value() if field.value() is not None else ""
    for formset in (response.context["charges"], response.context["formulas"]):
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for form in formset.forms:
            for field in form:
                value = field.value()
                if value is not None and value is not False:
                    data[field.html_name] = value
    data["ramp_up"] = "100"
    data.update(changes)
    return data


def test_budget_simulator_default_is_the_paca_study(client, world):
    client.force_login(world.coordinator.user)
    response = client.get(reverse("territory_budget", args=[world.network.slug]))
    assert response.status_code == 200
    sim = response.context["simulation"]
    assert [(y.charges, y.products, y.result) for y in sim.years[:1]] == [
        (Decimal("11890.00"), Decimal("11890.00"), Decimal("0.00"))]
    page = response.content.decode()
    assert "Équilibre sans subvention atteint l'année 1." in page


def test_budget_simulator_recomputes_with_user_figures(client, world):
    client.force_login(world.coordinator.user)
    path = reverse("territory_budget", args=[world.network.slug])
    first = client.get(path)
    data = budget_post(first, **{"charges-0-amount": "7000",  # rent up by 2,000 €
                                 "subsidy_amount": "3000", "subsidy_years": "3",
                                 "ramp_up": "50 100", "years": "4"})
    response = client.post(path, data)
    assert response.status_code == 200
    sim = response.context["simulation"]
    assert [y.charges for y in sim.years] == [Decimal("13890.00")] * 4
    assert [y.products for y in sim.years] == [Decimal("5945.00")] + [Decimal("11890.00")] * 3
    assert [y.subsidies for y in sim.years] == [Decimal(x) for x in (
        "3000.00", "2000.00", "1000.00", "0.00")]
    assert [y.result for y in sim.years] == [Decimal(x) for x in (
        "-4945.00", "0.00", "-1000.00", "-2000.00")]
    assert sim.break_even_year is None and sim.cumulative_break_even_year is None
    assert "Pas d'équilibre sans subvention" in response.content.decode()


@pytest.mark.parametrize("who, status", [("member", 403), ("concierge", 403),
                                         ("outsider", 404)])
def test_budget_simulator_refused_to_others(client, world, who, status):
    person = getattr(world, who)
    client.force_login(getattr(person, "user", person))
    path = reverse("territory_budget", args=[world.network.slug])
    assert client.get(path).status_code == status
    assert client.post(path, {}).status_code == status


@pytest.mark.parametrize("who, status", [("coordinator", 200), ("member", 403),
                                         ("concierge", 403), ("outsider", 404)])
def test_printable_summary(client, vercors, who, status):
    run = PlanningRun.objects.create(network=vercors.network, created_at=NOW,
                                     kind="max_coverage", parameters={**ASK, "kind": None})
    execute_planning_run(run.pk)
    person = getattr(vercors, who)
    client.force_login(getattr(person, "user", person))
    response = client.get(url(vercors, "territory_run_summary", run_id=run.pk))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Réseau Vercors — Où ouvrir de nouveaux lieux" in page
        assert "65,0 %" in page and "100,0 %" in page  # today, with the plan
        assert page.count('class="new-place"') == 1 and "Plan optimal (prouvé)" in page
        assert "Aucune zone blanche : toute la population localisée" in page


def test_summary_of_a_running_run_goes_back_to_the_progress(client, vercors):
    run = make_run(vercors.network, status=RunStatus.RUNNING)
    client.force_login(vercors.coordinator.user)
    response = client.get(url(vercors, "territory_run_summary", run_id=run.pk))
    assert response.status_code == 302
    assert response.url == url(vercors, "territory_run", run_id=run.pk)


def test_management_home_links_to_the_planner_and_the_budget(client, world):
    client.force_login(world.coordinator.user)
    page = client.get(reverse("manage_home", args=[world.network.slug])).content.decode()
    assert f'href="{url(world)}"' in page
    assert f'href="{url(world, "territory_budget")}"' in page
    assert f'href="{url(world, "territory_commute")}"' in page
