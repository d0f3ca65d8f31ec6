import re

from django.core import mail
from django.urls import reverse

from members.models import Member, MemberStatus, User


def test_newcomer_signs_up_confirms_email_and_joins_a_network(client, world,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/comptes/signup/", {
            "email": "Nouvelle@Example.org", "password1": "Un-mot-de-passe-solide-9",
            "password2": "Un-mot-de-passe-solide-9"})
    assert response.status_code == 302
    user = User.objects.get(email="nouvelle@example.org")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/comptes/confirm-email/[^\s]+)", mail.outbox[0].body).group(1)
    # Until the address is confirmed, logging in is refused.
    client.logout()
    client.post("/comptes/login/", {"login": "nouvelle@example.org",
                                    "password": "Un-mot-de-passe-solide-9"})
    assert client.get(reverse("join_network", args=["vercors"])).status_code == 302
    client.post(link)
    assert user.emailaddress_set.get().verified
    response = client.post("/comptes/login/", {"login": "nouvelle@example.org",
                                               "password": "Un-mot-de-passe-solide-9"})
    assert response.status_code == 302
    response = client.post(reverse("join_network", args=["vercors"]), {
        "first_name": "Alex", "last_name": "Durand", "status": "freelancer",
        "home_commune": "Lans-en-Vercors", "home_insee": "38205"})
    assert response.status_code == 302
    member = Member.objects.get(user=user)
    assert (member.network, member.status, member.home_insee) == (
        world.network, MemberStatus.FREELANCER, "38205")
    assert client.get(reverse("network_home", args=["vercors"])).status_code == 200
    # Joining network A gives nothing in network B.
    assert client.get(reverse("network_home", args=["gers"])).status_code == 404


def test_profile_form_keeps_input_and_explains_bad_insee_code(client, world):
    client.force_login(world.member.user)
    response = client.post(reverse("profile", args=["vercors"]), {
        "first_name": "Camille", "last_name": "Martin-Bis", "status": "student",
        "home_commune": "Autrans", "home_insee": "3802"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Le code INSEE d&#x27;une commune compte 5 caractères" in html
    assert 'value="Martin-Bis"' in html
    world.member.refresh_from_db()
    assert world.member.status == "other" and world.member.user.last_name == "Martin"


def test_profile_update_is_saved(client, world):
    org = world.network.organisations.create(name="Fromagerie du Vercors")
    client.force_login(world.member.user)
    response = client.post(reverse("profile", args=["vercors"]), {
        "first_name": "Camille", "last_name": "Martin", "status": "employee",
        "organisation": org.pk, "home_commune": "Autrans", "home_insee": "38021"})
    assert response.status_code == 302
    world.member.refresh_from_db()
    assert (world.member.status, world.member.organisation) == ("employee", org)


def test_profile_refuses_another_networks_organisation(client, world):
    foreign = world.network_b.organisations.create(name="Conserverie du Gers")
    client.force_login(world.member.user)
    response = client.post(reverse("profile", args=["vercors"]), {
        "first_name": "Camille", "last_name": "Martin", "status": "employee",
        "organisation": foreign.pk})
    assert response.status_code == 200
    world.member.refresh_from_db()
    assert world.member.organisation is None
