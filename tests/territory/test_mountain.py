"""Mountain communes from the official list, and the travel model slowing their trips."""

import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from territory.coverage import coverage_matrix
from territory.models import Commune
from territory.selectors import territory_for
from territory.travel import OfflineRouter, TravelModel
from tests.territory.test_pages import vercors  # noqa: F401 - fixture


def write(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "montagne.csv"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def communes(db):
    for code, name, kind, parent in [
        ("38548", "Villard-de-Lans", "commune", ""),
        ("38225", "Autrans-Méaudre en Vercors", "commune", ""),
        ("38021", "Autrans", "delegated", "38225"),
        ("38185", "Grenoble", "commune", ""),
        ("01001", "L'Abergement-Clémenciat", "commune", ""),
        ("2A004", "Ajaccio", "commune", ""),
    ]:
        Commune.objects.create(insee_code=code, name=name, kind=kind, parent_code=parent,
                               population=1, department=code[:2])


def flags():
    return dict(Commune.objects.values_list("insee_code", "mountain"))


def test_classification_column_in_latin1_with_partly_classified(tmp_path, communes):
    # Shaped like the INSEE / ANCT zoning files: code, name, classification in words.
    path = write(tmp_path, "Code commune;Libellé;Classement\n"
                 "38548;Villard-de-Lans;Totalement classée\n"
                 "38185;Grenoble;Partiellement classée\n"
                 "1001;L'Abergement-Clémenciat;Non classée\n", encoding="latin-1")
    out = io.StringIO()
    call_command("import_mountain_communes", str(path), stdout=out)
    assert flags() == {"38548": True, "38185": True, "01001": False, "38225": None,
                       "38021": None, "2A004": None}  # the others stay unknown
    assert "2 commune(s) en zone de montagne" in out.getvalue()


def test_list_of_classified_communes_complete(tmp_path, communes):
    # Only the codes of the classified communes (here an old list naming the delegated
    # commune Autrans): with --complete the others are set to "not mountain".
    path = write(tmp_path, "INSEE_COM\n38548\n38021\n")
    out = io.StringIO()
    call_command("import_mountain_communes", str(path), "--complete", stdout=out)
    assert flags() == {"38548": True, "38021": True, "38225": True, "38185": False,
                       "01001": False, "2A004": False}
    assert "dont 1 commune(s) nouvelle(s) par leurs communes déléguées" in out.getvalue()


def test_dgcl_letters_and_every_bad_line_reported(tmp_path, communes):
    path = write(tmp_path, "CODGEO,ZM\n38548,M\n2A004,P\n38185,peut-être\n99999,M\n3818,M\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 ligne"):
        call_command("import_mountain_communes", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        "Ligne 4 : classement non reconnu « peut-être » pour la commune 38185 (attendu : M, P, "
        "classée, non classée, oui, non, 1 ou 0).",
        "Ligne 5 : commune 99999 inconnue (chargez d'abord le référentiel avec load_communes).",
        "Ligne 6 : commune 03818 inconnue (chargez d'abord le référentiel avec load_communes).",
    ]
    assert set(flags().values()) == {None}  # nothing written
    out = io.StringIO()
    call_command("import_mountain_communes", str(path), "--skip-bad", stdout=out)
    assert flags()["38548"] is True and flags()["2A004"] is True
    assert "3 ligne(s) ignorée(s) (--skip-bad)" in out.getvalue()


def test_header_without_code_is_refused(tmp_path, communes):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_mountain_communes", str(write(tmp_path, "nom;montagne\nX;M\n")),
                     stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith("Ligne 1 : en-tête non reconnu")


def test_imported_flags_slow_the_planner_trips(tmp_path, vercors, settings):  # noqa: F811
    # The Vercors fixture: 1.3 km of road a straight-line km, 60 km/h. Villard-de-Lans →
    # Lans-en-Vercors is 8.8 min on plain roads; in mountain communes × 1.25 road and
    # speed × 0.75: 8.8 × 1.25 / 0.75 ≈ 14.7 min.
    settings.TERRITORY_TRAVEL_MODEL = {**settings.TERRITORY_TRAVEL_MODEL,
                                       "mountain_detour": 1.25, "mountain_speed": 0.75}
    router = OfflineRouter(TravelModel.from_settings())
    before = territory_for(vercors.network)
    assert not before.demand.mountain.any()
    plain = coverage_matrix(before.demand, before.demand, 10, router)
    path = write(tmp_path, "CODGEO;montagne\n38548;M\n38205;M\n38225;M\n38433;M\n")
    call_command("import_mountain_communes", str(path), stdout=io.StringIO())
    after = territory_for(vercors.network)
    assert after.demand.mountain.all()
    slowed = coverage_matrix(after.demand, after.demand, 10, router)
    i, j = after.codes.index("38548"), after.codes.index("38205")
    minutes = dict(zip(zip(*plain.matrix.nonzero()), plain.minutes))
    assert minutes[(i, j)] == pytest.approx(8.8, abs=0.05)
    assert not slowed.matrix[i, j]  # 14.7 min: beyond 10
    assert slowed.matrix.nnz < plain.matrix.nnz
    assert np.diag(slowed.matrix.toarray()).all()
