"""The English catalogue: complete, compiled, faithful to the placeholders, and served.

French is the source language (msgids are French); English lives in
locale/en/LC_MESSAGES/django.po and its compiled django.mo, both committed.
"""

import re
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LOCALE / "django.po"
MO_PATH = LOCALE / "django.mo"
HOW_TO_UPDATE = (
    "Update the catalogue: `DEBUG=1 .venv/bin/python manage.py makemessages -l en "
    "--ignore=.venv --ignore=var --ignore=tests --ignore=bench --no-obsolete`, translate the "
    "new entries in locale/en/LC_MESSAGES/django.po (and remove their `#, fuzzy` flag), then "
    "`DEBUG=1 .venv/bin/python manage.py compilemessages -l en --ignore=.venv` and commit "
    "both django.po and django.mo."
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(PO_PATH))


def _catalogue(entries) -> dict:
    """(msgctxt, msgid, msgid_plural) → translation(s), for the entries gettext uses."""
    result = {}
    for e in entries:
        if e.obsolete or not e.msgid or "fuzzy" in e.flags:
            continue
        key = (e.msgctxt, e.msgid, e.msgid_plural or None)
        if e.msgid_plural:
            result[key] = tuple(e.msgstr_plural[i] for i in sorted(e.msgstr_plural))
        else:
            result[key] = e.msgstr
    return result


def _first(msgids, n=10) -> str:
    shown = "\n".join(f"  - {m!r}" for m in msgids[:n])
    more = f"\n  … and {len(msgids) - n} more" if len(msgids) > n else ""
    return shown + more


def test_every_entry_is_translated_and_not_fuzzy(po):
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert len(po) > 0
    assert not untranslated, (
        f"{len(untranslated)} untranslated entries in {PO_PATH.name}:\n"
        f"{_first(untranslated)}\n{HOW_TO_UPDATE}")
    assert not fuzzy, (
        f"{len(fuzzy)} fuzzy entries (ignored by gettext) in {PO_PATH.name}:\n"
        f"{_first(fuzzy)}\nCheck each translation, remove the flag.\n{HOW_TO_UPDATE}")


def test_committed_mo_matches_the_po(po):
    assert MO_PATH.exists(), f"{MO_PATH} is missing.\n{HOW_TO_UPDATE}"
    expected = _catalogue(po)
    compiled = _catalogue(polib.mofile(str(MO_PATH)))
    stale = sorted({str(k) for k in expected.keys() ^ compiled.keys()}
                   | {str(k) for k in expected.keys() & compiled.keys()
                      if expected[k] != compiled[k]})
    assert not stale, (
        f"django.mo does not match django.po ({len(stale)} differences):\n{_first(stale)}\n"
        f"{HOW_TO_UPDATE}")


def test_placeholders_are_preserved(po):
    broken = []
    for e in po.translated_entries():
        pairs = ([(e.msgid, e.msgstr)] if not e.msgid_plural else
                 [(e.msgid if i == 0 else e.msgid_plural, s)
                  for i, s in sorted(e.msgstr_plural.items())])
        for source, translation in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation)):
                broken.append(f"{source!r} → {translation!r}")
    assert not broken, "Placeholders differ between msgid and msgstr:\n" + _first(broken)


def test_member_sees_my_bookings_in_english(client, world):
    client.force_login(world.member.user)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    response = client.get(f"/r/{world.network.slug}/mes-reservations/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert "My bookings" in html
    assert "Mes réservations" not in html


def test_budget_template_lines_follow_the_language(client, world):
    """The simulator's default lines are a template the official edits: shown in their language."""
    client.force_login(world.coordinator.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(f"/r/{world.network.slug}/territoire/budget/").content.decode()
    assert "Rent (3-room premises, 60 m²)" in html
    assert "Loyer" not in html
