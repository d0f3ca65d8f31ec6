import json
import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

import directory

VENDOR = Path(directory.__file__).parent / "static" / "vendor" / "leaflet"


def test_leaflet_is_served_from_our_static_files_with_its_licence():
    assert (VENDOR / "leaflet.js").stat().st_size > 100_000
    assert (VENDOR / "images" / "marker-icon.png").exists()
    assert "BSD" in (VENDOR / "LICENSE").read_text() or "Redistribution" in (
        VENDOR / "LICENSE").read_text()


def test_map_is_an_enhancement_over_the_list(client, world, communes, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    body = client.get(reverse("directory_search"), {"q": "lans"}).content.decode()
    assert '<div id="directory-map" class="directory-map" hidden></div>' in body
    assert "/static/vendor/leaflet/leaflet.js" in body
    assert not re.search(r"(unpkg|cdnjs|jsdelivr)", body)
    config = json.loads(re.search(r'<script id="map-config" type="application/json">(.*?)'
                                  r"</script>", body).group(1))
    assert config["tiles"] == "https://tiles.example.org/{z}/{x}/{y}.png"
    points = json.loads(re.search(r'<script id="map-points" type="application/json">(.*?)'
                                  r"</script>", body).group(1))
    assert [p["name"] for p in points] == ["Autrans", "Villard-de-Lans", "Auch"]
    assert points[0]["url"] == "/lieux/vercors/autrans/" and points[0]["minutes"] == 10
    # The list itself needs no script.
    assert 'href="/lieux/vercors/autrans/"' in body


def test_default_tiles_are_openstreetmap():
    assert "openstreetmap.org" in settings.MAP_TILE_URL
