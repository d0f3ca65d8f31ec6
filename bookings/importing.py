"""Import bookings from a CSV file, all or nothing (see docs/import.md).

Each line is booked through `book_resource(source="import", by_staff=True, notify=False)`, the
same service as every other write path, inside ONE transaction: if any line is refused, every
line is rolled back and every bad line is reported, so the file can be fixed and sent again.
A dry run does the same work (including conflicts between lines of the file) and rolls back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.errors import BookingError
from bookings.models import Booking, BookingSource
from bookings.services import book_resource, span_for
from members.models import Member
from places.models import Network, Resource, Site
from places.schedule import SiteSchedule

COLUMNS = ("site", "resource", "date", "slot", "start", "end", "email", "guest_name", "seats",
           "note")
REQUIRED_COLUMNS = ("site", "resource", "date", "email")
SLOTS = {
    "matin": "morning", "morning": "morning",
    "après-midi": "afternoon", "apres-midi": "afternoon", "afternoon": "afternoon",
    "journée": "day", "journee": "day", "jour": "day", "day": "day",
}
_TIME = re.compile(r"^(\d{1,2})(?:[:h](\d{2})?)?$")


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self):
        return _("ligne %(line)s : %(reason)s") % {"line": self.line, "reason": self.message}


@dataclass
class ImportReport:
    dry_run: bool
    booked: list[tuple[int, Booking]] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    @property
    def committed(self) -> bool:
        return not self.errors and not self.dry_run


class _LineRefused(Exception):
    pass


def import_bookings(network: Network, data: bytes | str, *, actor=None, dry_run: bool = False,
                    now: dt.datetime | None = None) -> ImportReport:
    """Book every line of a CSV file for `network`, or nothing at all.

    Lines are numbered as in a spreadsheet (the header is line 1). Staff rules apply
    (by_staff=True): notice and advance limits are skipped, approval is not needed, but opening
    hours, booking units, blocks and capacity hold. No e-mail is sent.
    """
    now = now or timezone.now()
    report = ImportReport(dry_run=dry_run)
    try:
        text = _decode(data)
        lines = list(_read(text))
    except _FileRefused as err:
        report.errors.append(err.error)
        return report
    lookup = _Lookup(network, [row.get("email", "") for _, row in lines])
    with transaction.atomic():
        for number, row in lines:
            try:
                booking = _book_line(row, lookup, actor=actor, now=now)
            except (_LineRefused, BookingError) as err:
                message = err.message if isinstance(err, BookingError) else str(err)
                report.errors.append(LineError(number, str(message)))
            else:
                report.booked.append((number, booking))
        if not report.committed:
            transaction.set_rollback(True)
    return report


class _FileRefused(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.error = LineError(line, message)


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise _FileRefused(line, _("Le fichier n'est pas encodé en UTF-8 : enregistrez-le en "
                                   "« CSV UTF-8 ».")) from None


def _read(text: str):
    """Yield (line number, {column: value}) for each non-empty line after the header."""
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise _FileRefused(1, _("Le fichier est vide ou ne commence pas par la ligne des "
                                "colonnes."))
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader)]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise _FileRefused(1, _("Colonne(s) inconnue(s) : %(unknown)s. Colonnes possibles : "
                                "%(columns)s.") % {"unknown": ", ".join(unknown),
                                                   "columns": ", ".join(COLUMNS)})
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise _FileRefused(1, _("Colonne(s) manquante(s) : %(missing)s.") % {
            "missing": ", ".join(missing)})
    last = reader.line_num
    for values in reader:
        number, last = last + 1, reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            yield number, {"__error__": _("%(n)s valeur(s) au lieu de %(expected)s.") % {
                "n": len(values), "expected": len(header)}}
            continue
        yield number, {name: value.strip() for name, value in zip(header, values)}


class _Lookup:
    """Sites, resources and members of the network, loaded once for the whole file."""

    def __init__(self, network: Network, emails):
        self.network = network
        sites = list(Site.objects.filter(network=network).select_related("network"))
        self.sites = {s.slug.lower(): s for s in sites}
        for s in sites:
            self.sites.setdefault(s.name.lower(), s)
        self.schedules = SiteSchedule.for_sites(sites)
        self.resources: dict[tuple[int, str], Resource] = {}
        for r in Resource.objects.filter(network=network).select_related("site__network",
                                                                          "network"):
            self.resources[(r.site_id, str(r.pk))] = r
            self.resources.setdefault((r.site_id, r.name.lower()), r)
        wanted = {e.strip().lower() for e in emails if e}
        self.members = {m.user.email.lower(): m for m in Member.objects.filter(
            network=network, is_active=True, user__email__in=wanted).select_related("user")}


def _book_line(row: dict, lookup: _Lookup, *, actor, now) -> Booking:
    if "__error__" in row:
        raise _LineRefused(row["__error__"])
    site = lookup.sites.get(row["site"].lower())
    if site is None:
        raise _LineRefused(_("Lieu inconnu dans ce réseau : « %(site)s ».") % {"site": row["site"]})
    resource = lookup.resources.get((site.pk, row["resource"].lower()))
    if resource is None:
        raise _LineRefused(_("Ressource inconnue à %(site)s : « %(resource)s ».") % {
            "site": site.name, "resource": row["resource"]})
    day = _parse_date(row["date"])
    slot, start_time, end_time = _parse_span(row)
    member, guest_name, guest_email = _holder(row, lookup)
    seats = _parse_seats(row.get("seats", ""))
    note = row.get("note", "")
    if len(note) > 255:
        raise _LineRefused(_("Note trop longue (255 caractères au plus)."))
    schedule = lookup.schedules[site.pk]
    start, end = span_for(schedule, day, slot=slot, start_time=start_time, end_time=end_time)
    return book_resource(member, resource, start=start, end=end, actor=actor, now=now,
                         seats=seats, source=BookingSource.IMPORT, by_staff=True,
                         guest_name=guest_name, guest_email=guest_email, note=note,
                         notify=False, schedule=schedule)


def _parse_date(value: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            pass
    raise _LineRefused(_("Date invalide : « %(value)s » (attendu AAAA-MM-JJ ou JJ/MM/AAAA).") % {
        "value": value})


def _parse_time(value: str, column: str) -> dt.time:
    match = _TIME.match(value)
    if match:
        hour, minute = int(match[1]), int(match[2] or 0)
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise _LineRefused(_("Heure invalide dans la colonne %(column)s : « %(value)s » (attendu "
                         "HH:MM).") % {"column": column, "value": value})


def _parse_span(row: dict) -> tuple[str | None, dt.time | None, dt.time | None]:
    slot, start, end = row.get("slot", ""), row.get("start", ""), row.get("end", "")
    if slot and (start or end):
        raise _LineRefused(_("Indiquez soit un créneau (slot), soit des heures de début et de "
                             "fin, pas les deux."))
    if slot:
        name = SLOTS.get(slot.lower())
        if name is None:
            raise _LineRefused(_("Créneau inconnu : « %(slot)s » (matin, après-midi ou "
                                 "journée).") % {"slot": slot})
        return name, None, None
    if not start or not end:
        raise _LineRefused(_("Indiquez un créneau (slot) ou des heures de début et de fin "
                             "(start, end)."))
    return None, _parse_time(start, "start"), _parse_time(end, "end")


def _holder(row: dict, lookup: _Lookup) -> tuple[Member | None, str, str]:
    """A line with a guest_name is for a guest (email is theirs); otherwise email is a
    member's."""
    email = row["email"].lower()
    guest_name = row.get("guest_name", "")
    if not email:
        raise _LineRefused(_("E-mail manquant."))
    if guest_name:
        if len(guest_name) > 200:
            raise _LineRefused(_("Nom de la personne invitée trop long (200 caractères au "
                                 "plus)."))
        try:
            validate_email(email)
        except ValidationError:
            raise _LineRefused(_("E-mail invalide : « %(email)s ».") % {
                "email": row["email"]}) from None
        return None, guest_name, email
    member = lookup.members.get(email)
    if member is None:
        raise _LineRefused(_("Aucun membre actif du réseau avec l'e-mail « %(email)s » (pour "
                             "une personne invitée, remplissez guest_name).") % {
            "email": row["email"]})
    return member, "", ""


def _parse_seats(value: str) -> int:
    if not value:
        return 1
    try:
        seats = int(value)
    except ValueError:
        seats = 0
    if seats < 1:
        raise _LineRefused(_("Nombre de places invalide : « %(value)s ».") % {"value": value})
    return seats
