"""Communes reference data and open-file importers."""

import csv
import gzip
import io
import shutil

import pytest
from django.core.management import CommandError, call_command

from territory.importers import ANCT_2019_CREDIT, SHIPPED_COMMUNES
from territory.models import Commune, ExternalPlace

FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"
VERCORS = {"38021": "Autrans", "38548": "Villard-de-Lans", "38205": "Lans-en-Vercors",
           "38433": "Saint-Nizier-du-Moucherotte", "38225": "Autrans-Méaudre en Vercors"}


def shipped_rows():
    with gzip.open(SHIPPED_COMMUNES, "rt", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture(scope="module")
def rows():
    return shipped_rows()


def test_shipped_dataset_is_complete_and_small(rows):
    assert SHIPPED_COMMUNES.stat().st_size < 3_000_000
    current = [r for r in rows if r["kind"] == "commune"]
    assert len(current) > 34_000
    assert len({r["insee_code"] for r in rows}) == len(rows)
    paris = next(r for r in rows if r["insee_code"] == "75056")
    assert int(paris["population"]) > 2_000_000 and "75001" in paris["postcodes"].split()
    for code, name in VERCORS.items():
        row = next(r for r in rows if r["insee_code"] == code)
        assert row["name"] == name
        assert row["latitude"] and row["longitude"], code
        assert row["epci_name"] == "CC du Massif du Vercors"
    autrans = next(r for r in rows if r["insee_code"] == "38021")
    assert (autrans["kind"], autrans["parent_code"]) == ("delegated", "38225")
    # Every coordinate is in France (metropolitan bounding box or an overseas department).
    for r in rows:
        if r["latitude"] and r["department"] < "97":
            assert 41.0 < float(r["latitude"]) < 51.2 and -5.3 < float(r["longitude"]) < 9.7


def test_communes_without_coordinates_are_reported_not_invented(rows):
    with gzip.open(SHIPPED_COMMUNES.parent / "missing_coordinates.csv.gz", "rt") as fh:
        missing = {r["insee_code"] for r in csv.DictReader(fh)}
    without = {r["insee_code"] for r in rows if not r["latitude"]}
    assert missing == without
    assert "38153" in missing  # Engins (422 inhabitants) is not in GeoNames' 500+ extract


@pytest.mark.django_db
def test_load_communes_is_idempotent_and_keeps_official_coordinates(rows):
    out = io.StringIO()
    call_command("load_communes", stdout=out)
    assert Commune.objects.count() == len(rows)
    assert f"{len(rows)} créé(s), 0 mis à jour" in out.getvalue()
    Commune.objects.filter(insee_code="38548").update(population=1, name="X")
    Commune.objects.filter(insee_code="38153").update(latitude=45.2, longitude=5.6,
                                                      coordinates_source="ign", mountain=True)
    out = io.StringIO()
    call_command("load_communes", stdout=out)
    assert "0 créé(s), 1 mis à jour" in out.getvalue()
    out = io.StringIO()
    call_command("load_communes", stdout=out)
    assert f"0 créé(s), 0 mis à jour, {len(rows)} inchangé(s)" in out.getvalue()
    assert Commune.objects.count() == len(rows)
    villard = Commune.objects.get(insee_code="38548")
    assert (villard.name, villard.search_name, villard.population) == (
        "Villard-de-Lans", "villard de lans", 4328)
    engins = Commune.objects.get(insee_code="38153")
    assert (engins.latitude, engins.longitude, engins.mountain) == (45.2, 5.6, True)


def make_communes():
    for code, name, pop in [("38548", "Villard-de-Lans", 4328), ("38153", "Engins", 422),
                            ("2A004", "Ajaccio", 70000)]:
        Commune.objects.create(insee_code=code, name=name, population=pop, department=code[:2])


@pytest.mark.django_db
def test_import_insee_populations_latin1_semicolons(tmp_path):
    make_communes()
    path = write(tmp_path, "pop.csv", "CODGEO;LIBGEO;PMUN\n38548;Villard-de-Lans;4 400\n"
                 "38153;Engins;430\n", encoding="latin-1")
    out = io.StringIO()
    call_command("import_communes", str(path), stdout=out)
    assert "2 mis à jour" in out.getvalue()
    assert Commune.objects.get(insee_code="38548").population == 4400


@pytest.mark.django_db
def test_import_ign_centroids_and_mountain_list(tmp_path):
    make_communes()
    path = write(tmp_path, "centroids.csv",
                 "INSEE_COM,NOM,latitude,longitude\n38153,Engins,45.1953,5.6214\n"
                 "2A004,Ajaccio,41.9267,8.7369\n")
    call_command("import_communes", str(path), stdout=io.StringIO())
    villard = Commune.objects.get(insee_code="38548")
    assert (villard.name, villard.search_name, villard.population) == (
        "Villard-de-Lans", "villard de lans", 4328)
    engins = Commune.objects.get(insee_code="38153")
    assert (engins.latitude, engins.longitude, engins.coordinates_source) == (
        45.1953, 5.6214, "ign")
    path = write(tmp_path, "montagne.csv", "COM;montagne\n38153;M\n2A004;non\n")
    call_command("import_communes", str(path), stdout=io.StringIO())
    assert Commune.objects.get(insee_code="38153").mountain is True
    assert Commune.objects.get(insee_code="2A004").mountain is False


@pytest.mark.django_db
def test_import_reports_each_bad_line_and_writes_nothing(tmp_path):
    make_communes()
    path = write(tmp_path, "bad.csv", "COM,PMUN\n38548,5000\n3854,12\n99999,3\n38153,beaucoup\n"
                 "38548,1\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="4 ligne"):
        call_command("import_communes", str(path), stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert [line.split(" :")[0] for line in lines] == ["Ligne 3", "Ligne 4", "Ligne 5",
                                                         "Ligne 6"]
    assert "99999 inconnue" in lines[1]
    assert Commune.objects.get(insee_code="38548").population == 4328  # nothing partial


@pytest.mark.django_db
def test_import_rejects_unknown_header(tmp_path):
    path = write(tmp_path, "x.csv", "foo,bar\n1,2\n")
    with pytest.raises(CommandError):
        call_command("import_communes", str(path), stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
def test_import_anct_places_is_idempotent_and_credited(tmp_path):
    path = tmp_path / "tl.csv"
    shutil.copy(FIXTURES / "anct_sample.csv", path)
    call_command("import_places", str(path), stdout=io.StringIO())
    call_command("import_places", str(path), stdout=io.StringIO())
    assert ExternalPlace.objects.count() == 4
    place = ExternalPlace.objects.get(source_id="4")
    assert place.insee_code == "38185" and place.credit == ANCT_2019_CREDIT
    assert (place.latitude, place.longitude) == (45.18532, 5.731603)


@pytest.mark.django_db
def test_import_anct_places_bad_line(tmp_path):
    text = (FIXTURES / "anct_sample.csv").read_text().replace("47.245935", "quatre-vingt")
    path = write(tmp_path, "tl.csv", text)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_places", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith("Ligne 2 : coordonnées invalides")
    assert ExternalPlace.objects.count() == 0


@pytest.mark.django_db
def test_search_communes_forgives_accents_hyphens_and_saint():
    from territory.selectors import search_communes

    for code, name, kind, pop, postcodes in [
        ("38433", "Saint-Nizier-du-Moucherotte", "commune", 1162, "38250"),
        ("38205", "Lans-en-Vercors", "commune", 2751, "38250"),
        ("38021", "Autrans", "delegated", None, ""),
        ("38225", "Autrans-Méaudre en Vercors", "commune", 2936, "38112 38880"),
        ("01001", "L'Abergement-Clémenciat", "commune", 800, "01400"),
    ]:
        Commune.objects.create(insee_code=code, name=name, kind=kind, population=pop,
                               postcodes=postcodes, department=code[:2])
    names = lambda q: [c.name for c in search_communes(q)]  # noqa: E731
    assert names("st nizier") == ["Saint-Nizier-du-Moucherotte"]
    assert names("LANS") == ["Lans-en-Vercors"]
    assert names("autrans") == ["Autrans-Méaudre en Vercors", "Autrans"]
    assert names("meaudre") == ["Autrans-Méaudre en Vercors"]
    assert names("abergement clemenciat") == ["L'Abergement-Clémenciat"]
    assert names("38250") == ["Lans-en-Vercors", "Saint-Nizier-du-Moucherotte"]
    assert names("  ") == [] and names("-") == []


# -- the ANCT 2019 file's missing INSEE codes --------------------------------------------------

ANCT_HEADER = ("ID,NOM_TL,ADRESSE,CP,COMINIT,INSEECOM,NOMCOM,WEB,TYPO,LAT,LONG,GEOCOD,PRECISION,"
               "METRO,NOMMETRO,INSEEREG,NOMREG,INSEEMETRO,INSEEDEP,NOMCOMMETRO,POPCOM,COMCLASS,"
               "INSEE_ZE,NOM_ZE,CLASS_ZE,POP_ZE")


def anct_line(ident, name, cp, cominit, insee, nomcom, dep, lat, lon, metro=None):
    """A line shaped like the real file (same 26 columns, "0" for a missing code; NOMCOMMETRO,
    the commune of the geocoded point, is the commune's name unless given)."""
    metro = nomcom if metro is None else metro
    return (f"{ident},{name},1 place de la Mairie,{cp},{cominit},{insee},{nomcom},,"
            f"Tiers lieux à dominante coworking,{lat},{lon},,0.5,0,,84,,0,{dep},{metro},0,,"
            ",,,")


ANCT_MISSING = "\n".join([
    ANCT_HEADER,
    anct_line(10, "Cowork du Bourbonnais", "0", "MOULINS", "0", "Moulins", "03", 46.56, 3.33),
    anct_line(11, "Tiers-lieu de Haute-Corrèze", "19200", "Ussel", "0", "Ussel", "19", 45.54,
              2.31),
    anct_line(12, "Labo du Clain", "86073", "Poitiers", "0", "", "86", 46.58, 0.34),
    anct_line(13, "Bastia Coworking", "20200", "Bastia", "0", "Bastia", "2B", 42.70, 9.45),
    anct_line(14, "Hub Sainte-Marie", "0", "Sainte-Marie", "0", "Sainte-Marie", "05", 44.5, 6.0),
    anct_line(15, "Coworking transfrontalier", "0", "Tournai", "0", "Tournai", "06", 43.57, 7.0),
    anct_line(16, "Cowork In Grenoble", "38000", "Grenoble", "38185", "Grenoble", "38", 45.18,
              5.73),
    # No commune name but the geocoded point's (like 46 lines of the real file).
    anct_line(17, "Fabrique du Nord", "0", "", "0", "", "38", 45.19, 5.72, metro="Grenoble"),
    # Without its article.
    anct_line(18, "Tiers-lieu du Velay", "43000", "Puy-en-Velay", "0", "Puy-en-Velay", "43",
              45.04, 3.88),
]) + "\n"


@pytest.fixture
def anct_communes(db):
    for code, name, kind, postcodes, dep in [
        ("03190", "Moulins", "commune", "03000", "03"),
        ("35198", "Moulins", "commune", "35680", "35"),
        ("19275", "Ussel", "commune", "19200", "19"),
        ("15245", "Ussel", "commune", "15300", "15"),
        ("86194", "Poitiers", "commune", "86000", "86"),
        ("2B033", "Bastia", "commune", "20200 20600", "2B"),
        ("05150", "Sainte-Marie", "commune", "05150", "05"),
        ("05151", "Sainte-Marie", "commune", "05560", "05"),
        ("38185", "Grenoble", "commune", "38000 38100", "38"),
        ("43157", "Le Puy-en-Velay", "commune", "43000", "43"),
    ]:
        Commune.objects.create(insee_code=code, name=name, kind=kind, postcodes=postcodes,
                               department=dep, population=1)


def test_missing_insee_codes_resolved_or_reported_and_nothing_partial(tmp_path, anct_communes):
    path = write(tmp_path, "tl.csv", ANCT_MISSING)
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 ligne"):
        call_command("import_places", str(path), stdout=io.StringIO(), stderr=err)
    assert ExternalPlace.objects.count() == 0  # all or nothing by default
    errors = err.getvalue().splitlines()
    assert errors == [
        "Ligne 6 (ID 14, Hub Sainte-Marie) : code INSEE manquant (« 0 ») et commune "
        "introuvable sans ambiguïté — « Sainte-Marie » (département 05) : plusieurs communes "
        "possibles (Sainte-Marie 05150, Sainte-Marie 05151).",
        "Ligne 7 (ID 15, Coworking transfrontalier) : code INSEE manquant (« 0 ») et commune "
        "introuvable sans ambiguïté — « Tournai » : aucune commune de ce nom.",
    ]


def test_skip_bad_imports_the_rest_and_lists_each_skipped_line(tmp_path, anct_communes):
    path = write(tmp_path, "tl.csv", ANCT_MISSING)
    out = io.StringIO()
    call_command("import_places", str(path), "--skip-bad", stdout=out)
    codes = dict(ExternalPlace.objects.values_list("source_id", "insee_code"))
    # Moulins by its department (no postcode), Ussel by its postcode, Poitiers by the name first
    # typed and the CEDEX postcode's department, Bastia by the file's department (2B).
    assert codes == {"10": "03190", "11": "19275", "12": "86194", "13": "2B033",
                     "16": "38185", "17": "38185", "18": "43157"}
    assert ExternalPlace.objects.get(source_id="10").postcode == ""  # "0" is not a postcode
    report = out.getvalue()
    assert "7 créé(s)" in report and "6 code(s) INSEE manquant(s) retrouvé(s)" in report
    assert "2 ligne(s) ignorée(s) (--skip-bad)" in report
    assert "Ligne 6 (ID 14, Hub Sainte-Marie)" in report
    assert "Ligne 7 (ID 15, Coworking transfrontalier)" in report
