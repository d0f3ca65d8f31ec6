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


# -- mountain communes ------------------------------------------------------------------------

MOUNTAIN_CODE_COLUMNS = (*CODE_COLUMNS, "code commune", "code", "insee", "code_insee_commune")
MOUNTAIN_CLASS_COLUMNS = (*MOUNTAIN_COLUMNS, "zm", "classement", "classement_montagne",
                          "zone de montagne", "classement en zone de montagne", "statut")
_NOT_MOUNTAIN = {"0", "non", "n", "false", "faux", "non classee", "hors zone",
                 "hors zone de montagne", "commune non classee"}
_MOUNTAIN = {"1", "oui", "o", "true", "vrai", "m", "p", "montagne", "zone de montagne"}


def _mountain_value(text: str) -> bool | None:
    """True / False for the values of the official lists ("M"/"P" of the DGCL file,
    "totalement / partiellement classée", "oui"/"non", 1/0), None when not understood."""
    key = search_key(text)
    if key in _NOT_MOUNTAIN or key.startswith("non "):
        return False
    if key in _MOUNTAIN or "classee" in key or "montagne" in key:
        return True
    return None


def import_mountain_file(path, *, complete: bool = False, skip_bad: bool = False
                         ) -> ImportReport:
    """Mountain flags from the official list of communes classified in a mountain zone
    (loi Montagne; DGCL / ANCT, published on data.gouv.fr and the Observatoire des
    territoires), as users download it: a code column (CODGEO, COM, INSEE_COM, "Code
    commune"…) and either a classification column (montagne, ZM, classement…: M / P,
    "totalement classée" / "partiellement classée" / "non classée", oui / non, 1 / 0 — partly
    classified communes count as mountain) or none, the file then listing the classified
    communes only.

    `complete`: the file is the whole list, so the communes it does not name are set to "not
    mountain" instead of staying unknown. A current commune absent from the file whose
    delegated or associated commune is classified (lists older than a merger) is classified
    too. Every bad line is reported; nothing is written if one is bad unless `skip_bad`."""
    header, rows = read_rows(path)
    code_col = _pick(header, MOUNTAIN_CODE_COLUMNS)
    class_col = _pick(header, MOUNTAIN_CLASS_COLUMNS)
    if code_col is None:
        raise ImportFailed([
            "Ligne 1 : en-tête non reconnu. Il faut une colonne de code INSEE (CODGEO, COM, "
            "INSEE_COM, « Code commune »…) et, si le fichier ne liste pas que les communes "
            "classées, une colonne de classement (montagne, ZM, classement…)."])
    parents = dict(Commune.objects.exclude(parent_code="").values_list("insee_code",
                                                                         "parent_code"))
    known = set(Commune.objects.values_list("insee_code", flat=True))
    errors, flags = [], {}
    for line, row in rows:
        code = row.get(code_col, "")
        if len(code) == 4 and code.isdigit():  # a spreadsheet dropped the leading zero
            code = "0" + code
        if not INSEE_RE.match(code):
            errors.append(f"Ligne {line} : code INSEE invalide « {row.get(code_col, '')} ».")
            continue
        if code not in known:
            errors.append(f"Ligne {line} : commune {code} inconnue (chargez d'abord le "
                          "référentiel avec load_communes).")
            continue
        value = True if class_col is None else _mountain_value(row.get(class_col, ""))
        if value is None:
            errors.append(f"Ligne {line} : classement non reconnu « {row.get(class_col, '')} » "
                          f"pour la commune {code} (attendu : M, P, classée, non classée, "
                          "oui, non, 1 ou 0).")
            continue
        if code in flags and flags[code] != value:
            errors.append(f"Ligne {line} : la commune {code} apparaît deux fois avec des "
                          "classements différents.")
            continue
        flags[code] = value
    if errors and not skip_bad:
        raise ImportFailed(errors)
    inherited = 0
    for code, value in list(flags.items()):
        parent = parents.get(code)
        if value and parent and parent not in flags:
            flags[parent] = True
            inherited += 1
    report = ImportReport()
    with transaction.atomic():
        for value in (True, False):
            codes = [c for c, v in flags.items() if v is value]
            for start in range(0, len(codes), 900):  # SQLite's parameter limit
                report.updated += Commune.objects.filter(
                    insee_code__in=codes[start:start + 900]).exclude(mountain=value).update(
                    mountain=value)
        report.unchanged = len(flags) - report.updated
        if complete:
            rest = [c for c in Commune.objects.exclude(mountain=False)
                    .values_list("insee_code", flat=True) if c not in flags]
            for start in range(0, len(rest), 900):
                report.updated += Commune.objects.filter(
                    insee_code__in=rest[start:start + 900]).update(mountain=False)
    mountain = sum(1 for v in flags.values() if v)
    report.notes.append(f"{mountain} commune(s) en zone de montagne dans le fichier"
                        + (f" (dont {inherited} commune(s) nouvelle(s) par leurs communes "
                           "déléguées)" if inherited else ""))
    if complete:
        report.notes.append("Liste complète : les autres communes sont marquées hors zone "
                            "de montagne.")
    if errors:
        report.notes.append(f"{len(errors)} ligne(s) ignorée(s) (--skip-bad) :")
        report.notes.extend(errors)
    return report


# -- third places ------------------------------------------------------------------------------

ANCT_COLUMNS = ("id", "nom_tl", "adresse", "cp", "inseecom", "nomcom", "web", "typo", "lat",
                "long")


class CommuneResolver:
    """Finds the INSEE code of a commune from its name and postcode (or department) in the
    communes table, only when the answer is unambiguous."""

    def __init__(self):
        self.by_name: dict[str, list[tuple]] = {}
        self.without_article: dict[str, list[tuple]] = {}
        for code, name, kind, postcodes, department in Commune.objects.values_list(
                "insee_code", "name", "kind", "postcodes", "department"):
            entry = (code, name, kind, set(postcodes.split()), department)
            self.by_name.setdefault(search_key(name), []).append(entry)
            self.without_article.setdefault(_bare(search_key(name)), []).append(entry)

    def resolve(self, names, postcode: str, department: str) -> tuple[str | None, str]:
        """(code, "") when one commune matches, else (None, the reason in French).

        For each name in turn (the file's commune name, the name first typed, then the
        commune of the geocoded point given by the file), written as in the communes table or
        without its leading article ("Puy-en-Velay" for "Le Puy-en-Velay"): the
        communes of that name whose postcodes hold the postcode; when the postcode is missing
        or matches none (CEDEX codes), those of the department (the file's department, or the
        postcode's first two digits). A current commune wins over a delegated or associated one
        of the same name."""
        departments = {d for d in (department, _department_of(postcode)) if d}
        tried = []
        for name in dict.fromkeys(n for n in names if n):
            found = (self.by_name.get(search_key(name))
                     or self.without_article.get(_bare(search_key(name)), []))
            if not found:
                tried.append(f"« {name} » : aucune commune de ce nom")
                continue
            for label, match in (
                    (f"code postal {postcode}", [c for c in found if postcode in c[3]]),
                    ("département " + "/".join(sorted(departments)),
                     [c for c in found if c[4] in departments])):
                current = [c for c in match if c[2] == CommuneKind.COMMUNE]
                match = current or match
                if len(match) == 1:
                    return match[0][0], ""
                if len(match) > 1:
                    tried.append(f"« {name} » ({label}) : plusieurs communes possibles ("
                                 + ", ".join(f"{c[1]} {c[0]}" for c in match[:5]) + ")")
                    break
            else:
                tried.append(f"« {name} » : aucune commune de ce nom avec le code postal "
                             f"« {postcode or '—'} » ni dans le département "
                             f"« {'/'.join(sorted(departments)) or '—'} »")
        if not tried:
            tried.append("aucun nom de commune")
        return None, " ; ".join(tried)


def _bare(key: str) -> str:
    words = key.split()
    return " ".join(words[1:]) if len(words) > 1 and words[0] in ("le", "la", "les", "l") \
        else key


def _department_of(postcode: str) -> str:
    if not re.match(r"^\d{5}$", postcode or ""):
        return ""
    if postcode.startswith("20"):  # Corsica: 2A / 2B, told apart by the name
        return ""
    return postcode[:3] if postcode.startswith("97") else postcode[:2]


def import_anct_places(path, *, source="anct-2019", credit=ANCT_2019_CREDIT,
                       skip_bad: bool = False) -> ImportReport:
    """Insert or update third places of the ANCT 2019 census (or a file with its columns).

    A missing INSEE code ("0" or empty in the 2019 file) is looked up from the commune name
    (NOMCOM, else COMINIT, else NOMCOMMETRO) and the postcode (or the department, INSEEDEP)
    when that gives a single commune. By default nothing is written if one line is bad
    (ImportFailed lists them all); with `skip_bad` the good lines are written and the report
    lists every skipped one."""
    header, rows = read_rows(path)
    lowered = [h.lower() for h in header]
    absent = [c.upper() for c in ANCT_COLUMNS if c not in lowered]
    if absent:
        raise ImportFailed([f"Ligne 1 : colonnes manquantes : {', '.join(absent)}."])
    resolver = None
    errors, objs, seen, resolved = [], [], set(), 0
    for line, row in rows:
        ident, name = row["id"], row["nom_tl"]
        if not ident or not name:
            errors.append(f"Ligne {line} : identifiant ou nom manquant.")
            continue
        if ident in seen:
            errors.append(f"Ligne {line} : identifiant {ident} en double.")
            continue
        seen.add(ident)
        postcode = row["cp"] if re.match(r"^\d{5}$", row["cp"]) else ""
        insee = row["inseecom"]
        if insee in ("", "0"):
            resolver = resolver or CommuneResolver()
            insee, reason = resolver.resolve(
                [row["nomcom"], row.get("cominit", ""), row.get("nomcommetro", "")], postcode,
                row.get("inseedep", ""))
            if insee is None:
                errors.append(f"Ligne {line} (ID {ident}, {name}) : code INSEE manquant "
                              f"(« {row['inseecom']} ») et commune introuvable sans "
                              f"ambiguïté — {reason}.")
                continue
            resolved += 1
        elif not INSEE_RE.match(insee):
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
            address=row["adresse"][:255], postcode=postcode, city=row["nomcom"][:120],
            insee_code=insee, typology=row["typo"][:120], website=row["web"][:255],
            latitude=lat, longitude=lon,
        ))
    if errors and not skip_bad:
        raise ImportFailed(errors)
    existing = set(ExternalPlace.objects.filter(source=source).values_list("source_id",
                                                                             flat=True))
    with transaction.atomic():
        ExternalPlace.objects.bulk_create(
            objs, batch_size=1000, update_conflicts=True, unique_fields=["source", "source_id"],
            update_fields=["credit", "name", "address", "postcode", "city", "insee_code",
                           "typology", "website", "latitude", "longitude"])
    created = sum(1 for o in objs if o.source_id not in existing)
    notes = []
    if resolved:
        notes.append(f"{resolved} code(s) INSEE manquant(s) retrouvé(s) par le nom de la "
                     "commune et le code postal (ou le département)")
    if errors:
        notes.append(f"{len(errors)} ligne(s) ignorée(s) (--skip-bad) :")
        notes.extend(errors)
    notes.append(f"Source : {credit}")
    return ImportReport(created=created, updated=len(objs) - created, notes=notes)
