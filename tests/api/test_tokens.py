"""manage.py create_api_token: the key is printed once and works; only its hash is stored."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from members.models import ApiToken


def test_create_api_token_prints_a_working_key_once(client, world, pinned_now):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "MEMBRE@example.org", "agenda", stdout=out, stderr=err)

    key = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.prefix) == (world.member.user, "agenda", key[:8])
    assert token.key_hash == ApiToken.hash_key(key) and key not in token.key_hash
    assert "Conservez la clé ci-dessus : elle ne sera plus affichée." in err.getvalue()
    response = client.get("/api/v1/networks/vercors/sites",
                          headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


def test_create_api_token_for_an_unknown_user_fails(db):
    with pytest.raises(CommandError, match="Aucun utilisateur avec l'e-mail x@example.org."):
        call_command("create_api_token", "x@example.org", "agenda")
    assert not ApiToken.objects.exists()
