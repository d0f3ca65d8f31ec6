"""Load and update reference data: the shipped communes file, official INSEE/IGN files and
open lists of third places.

Every importer validates the whole file first and writes nothing if a single line is bad: it
raises ImportFailed with one message per bad line (line numbers as a spreadsheet shows them).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction

from territory.models import Commune, CommuneKind, ExternalPlace
from territory.text import search_key

SHIPPED_COMMUNES = Path(__file__).resolve().parent / "data" / "communes.csv.gz"
SHIPPED_SOURCES = ("geonames", "geonames-seat", "")
INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
ANCT_2019_CREDIT = "ANCT (ex-CGET), base des tiers-lieux 2019, Licence Ouverte 2.0"

CODE_COLUMNS = ("insee_code", "code_insee", "codgeo", "com", "depcom", "insee_com", "code_commune",
                "code_commune_insee", "codecommune")
POPULATION_COLUMNS = ("pmun", "population municipale", "population", "p_mun", "popmun")
LATITUDE_COLUMNS = ("latitude", "lat", "latitude_centre", "latitude_mairie", "centroid_lat", "y")
LONGITUDE_COLUMNS = ("longitude", "lon", "lng", "longitude_centre", "longitude_mairie",
                     "centroid_lon", "x")
MOUNTAIN_COLUMNS = ("montagne", "zone_montagne", "mountain")


class ImportFailed(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    def __str__(self):
        text = f"{self.created} créé(s), {self.updated} mis à jour, {self.unchanged} inchangé(s)"
        return "\n".join([text, *self.notes])


def open_text(path) -> io.TextIOBase:
    """Open a CSV (optionally gzipped) in UTF-8, or Latin-1 as INSEE files often are."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return io.StringIO(text)


def read_rows(path) -> tuple[list[str], list[tuple[int, dict]]]:
    handle = open_text(path)
    sample = handle.read(4096)
    handle.seek(0)
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(handle, delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    rows = []
    for row in reader:
        clean = {(k or "").strip().lower(): (v or "").strip() if isinstance(v, str) else v
                 for k, v in row.items()}
        rows.append((reader.line_num, clean))
    return header, rows


def _pick(header: list[str], candidates) -> str | None:
    lowered = [h.lower() for h in header]
    for name in candidates:
        if name in lowered:
            return name
    return None


def _float(text: str) -> float:
    return float(text.replace(",", "."))


# -- shipped dataset ---------------------------------------------------------------------------


def load_shipped_communes(path=SHIPPED_COMMUNES) -> ImportReport:
    """Insert new communes and update changed ones from the shipped file; a second run writes
    nothing. Coordinates that came from an official import (IGN) and mountain flags are kept:
    the shipped file only fills what it knows better than nothing.

    Plain executemany rather than bulk_create: SQLite's parameter limit would cut 37,000 rows
    into hundreds of statements that Django spends seconds compiling.
    """
    _, rows = read_rows(path)
    columns = ["insee_code", "name", "search_name", "kind", "parent_code", "postcodes",
               "population", "epci_code", "epci_name", "department", "region", "latitude",
               "longitude", "coordinates_source", "mountain"]
    existing = {r[0]: r for r in Commune.objects.values_list(*columns)}
    inserts, updates, unchanged = [], [], 0
    for _, row in rows:
        code = row["insee_code"]
        old = existing.get(code)
        coords = (float(row["latitude"]) if row["latitude"] else None,
                  float(row["longitude"]) if row["longitude"] else None,
                  row["coordinates_source"])
        if old is not None and old[13] not in SHIPPED_SOURCES:
            coords = old[11:14]
        new = (code, row["name"], search_key(row["name"]), row["kind"], row["parent_code"],
               row["postcodes"], int(row["population"]) if row["population"] else None,
               row["epci_code"], row["epci_name"], row["department"], row["region"], *coords,
               old[14] if old is not None else None)
        if old is None:
            inserts.append(new)
        elif tuple(old) != new:
            updates.append((*new[1:], code))
        else:
            unchanged += 1
    table = connection.ops.quote_name(Commune._meta.db_table)
    quoted = [connection.ops.quote_name(c) for c in columns]
    with transaction.atomic(), connection.cursor() as cursor:
        if inserts:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(quoted)}) "  # noqa: S608 - our own names
                f"VALUES ({', '.join(['%s'] * len(columns))})", inserts)
        if updates:
            assignments = ", ".join(f"{q} = %s" for q in quoted[1:])
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {quoted[0]} = %s",  # noqa: S608
                updates)
    missing = sum(1 for _, r in rows if r["kind"] == CommuneKind.COMMUNE and not r["latitude"])
    return ImportReport(created=len(inserts), updated=len(updates), unchanged=unchanged, notes=[
        f"{missing} commune(s) sans coordonnées dans le fichier livré (voir "
        "territory/data/missing_coordinates.csv.gz)"
    ])


# -- official files ----------------------------------------------------------------------------


def import_commune_file(path) -> ImportReport:
    """Update communes from an INSEE population file, an IGN ADMIN EXPRESS centroid export or a
    list of mountain communes; the kind is recognised from the header."""
    header, rows = read_rows(path)
    code_col = _pick(header, CODE_COLUMNS)
    pop_col = _pick(header, POPULATION_COLUMNS)
    lat_col, lon_col = _pick(header, LATITUDE_COLUMNS), _pick(header, LONGITUDE_COLUMNS)
    mountain_col = _pick(header, MOUNTAIN_COLUMNS)
    if code_col is None or not (pop_col or (lat_col and lon_col) or mountain_col):
        raise ImportFailed([
            "Ligne 1 : en-tête non reconnu. Il faut une colonne de code INSEE (COM, CODGEO, "
            "INSEE_COM…) et une colonne de population (PMUN), ou de coordonnées (latitude, "
            "longitude en WGS 84), ou de zone de montagne (montagne)."])
    communes = {c.insee_code: c for c in Commune.objects.all()}
    errors, changes, seen = [], {}, set()
    for line, row in rows:
        code = row.get(code_col, "")
        if not INSEE_RE.match(code):
            errors.append(f"Ligne {line} : code INSEE invalide « {code} ».")
            continue
        if code in seen:
            errors.append(f"Ligne {line} : la commune {code} apparaît deux fois.")
            continue
        seen.add(code)
        commune = communes.get(code)
        if commune is None:
            errors.append(f"Ligne {line} : commune {code} inconnue (chargez d'abord le "
                          "référentiel avec load_communes).")
            continue
        update = {}
        try:
            if pop_col:
                value = row.get(pop_col, "").replace(" ", "").replace("\u202f", "")
                population = int(value)
                if population < 0:
                    raise ValueError
                update["population"] = population
            if lat_col and lon_col:
                lat, lon = _float(row.get(lat_col, "")), _float(row.get(lon_col, ""))
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise ValueError
                update.update(latitude=lat, longitude=lon, coordinates_source="ign")
            if mountain_col:
                flag = row.get(mountain_col, "").lower()
                if flag not in ("1", "0", "oui", "non", "true", "false", "m", "p", ""):
                    raise ValueError
                # "M"/"P": mountain / partly mountain in the DGCL list; both count.
                update["mountain"] = flag in ("1", "oui", "true", "m", "p")
        except ValueError:
            errors.append(f"Ligne {line} : valeur invalide pour la commune {code} "
                          f"({', '.join(f'{k}={v}' for k, v in row.items() if k != code_col)}).")
            continue
        changes[code] = update
    if errors:
        raise ImportFailed(errors)
    report = ImportReport()
    dirty = []
    for code, update in changes.items():
        commune = communes[code]
        if all(getattr(commune, k) == v for k, v in update.items()):
            report.unchanged += 1
            continue
        for k, v in update.items():
            setattr(commune, k, v)
        dirty.append(commune)
    fields = sorted({k for update in changes.values() for k in update})
    with transaction.atomic():
        if dirty:
            Commune.objects.bulk_update(dirty, fields, batch_size=2000)
    report.updated = len(dirty)
    return report


# -- third places ------------------------------------------------------------------------------

ANCT_COLUMNS = ("id", "nom_tl", "adresse", "cp", "inseecom", "nomcom", "web", "typo", "lat",
                "long")


def import_anct_places(path, *, source="anct-2019", credit=ANCT_2019_CREDIT) -> ImportReport:
    """Insert or update third places of the ANCT 2019 census (or a file with its columns)."""
    header, rows = read_rows(path)
    lowered = [h.lower() for h in header]
    absent = [c.upper() for c in ANCT_COLUMNS if c not in lowered]
    if absent:
        raise ImportFailed([f"Ligne 1 : colonnes manquantes : {', '.join(absent)}."])
    errors, objs, seen = [], [], set()
    for line, row in rows:
        ident, name = row["id"], row["nom_tl"]
        if not ident or not name:
            errors.append(f"Ligne {line} : identifiant ou nom manquant.")
            continue
        if ident in seen:
            errors.append(f"Ligne {line} : identifiant {ident} en double.")
            continue
        seen.add(ident)
        insee = row["inseecom"]
        if insee and not INSEE_RE.match(insee):
            errors.append(f"Ligne {line} : code INSEE invalide « {insee} ».")
            continue
        try:
            lat = _float(row["lat"]) if row["lat"] else None
            lon = _float(row["long"]) if row["long"] else None
            if (lat is None) != (lon is None) or (
                    lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180)):
                raise ValueError
        except ValueError:
            errors.append(f"Ligne {line} : coordonnées invalides ({row['lat']}, {row['long']}).")
            continue
        objs.append(ExternalPlace(
            source=source, source_id=ident, credit=credit, name=name[:200],
            address=row["adresse"][:255], postcode=row["cp"][:5], city=row["nomcom"][:120],
            insee_code=insee, typology=row["typo"][:120], website=row["web"][:255],
            latitude=lat, longitude=lon,
        ))
    if errors:
        raise ImportFailed(errors)
    existing = set(ExternalPlace.objects.filter(source=source).values_list("source_id",
                                                                             flat=True))
    with transaction.atomic():
        ExternalPlace.objects.bulk_create(
            objs, batch_size=1000, update_conflicts=True, unique_fields=["source", "source_id"],
            update_fields=["credit", "name", "address", "postcode", "city", "insee_code",
                           "typology", "website", "latitude", "longitude"])
    created = sum(1 for o in objs if o.source_id not in existing)
    return ImportReport(created=created, updated=len(objs) - created,
                        notes=[f"Source : {credit}"])
