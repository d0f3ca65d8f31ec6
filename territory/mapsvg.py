"""A static SVG map of a planner answer: works without JavaScript, tiles or network, prints on
the one-page summary. Communes are dots sized by population and coloured by minutes to the
nearest place; existing places are squares, proposed places stars."""

from __future__ import annotations

import math

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT, MARGIN = 640, 480, 20


def buckets(limit: float):
    """(upper bound in minutes, colour, legend) from near to far; colour-blind safe palette."""
    return [
        (limit, "#1a9850", _("≤ %(m)s min") % {"m": f"{limit:g}"}),
        (1.5 * limit, "#fee08b", _("≤ %(m)s min") % {"m": f"{1.5 * limit:g}"}),
        (2 * limit, "#fc8d59", _("≤ %(m)s min") % {"m": f"{2 * limit:g}"}),
        (math.inf, "#d73027", _("plus de %(m)s min") % {"m": f"{2 * limit:g}"}),
    ]


def colour_for(minutes, limit: float) -> str:
    if minutes is None:
        return "#999999"
    for bound, colour, _label in buckets(limit):
        if minutes <= bound + 1e-7:
            return colour
    return "#d73027"


def map_data(data: dict, limit: float) -> dict | None:
    """The same answer for the interactive map (territory/static/territory/map.js)."""
    if not (data.get("communes") or data.get("places") or data.get("new_places")):
        return None
    return {"communes": data.get("communes", []), "places": data.get("places", []),
            "new_places": data.get("new_places", []),
            "buckets": [[None if math.isinf(b) else b, colour] for b, colour, _l in
                        buckets(limit)],
            "labels": {"none": _("pas de lieu"), "proposed": _("Nouveau lieu proposé : ")}}


def render_map(data: dict, limit: float) -> str:
    communes = data.get("communes", [])
    places, new = data.get("places", []), data.get("new_places", [])
    points = communes + places + new
    if not points:
        return ""
    lat0 = sum(p["lat"] for p in points) / len(points)
    kx = math.cos(math.radians(lat0))  # equirectangular, true scale at the mean latitude
    xs = [p["lon"] * kx for p in points]
    ys = [p["lat"] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-3)
    scale = min((WIDTH - 2 * MARGIN) / span, (HEIGHT - 2 * MARGIN) / span)

    def xy(p):
        return (MARGIN + (p["lon"] * kx - min(xs)) * scale,
                HEIGHT - MARGIN - (p["lat"] - min(ys)) * scale)

    biggest = max((c["population"] for c in communes), default=1) or 1
    parts = []
    for c in sorted(communes, key=lambda c: -c["population"]):
        x, y = xy(c)
        r = 2 + 8 * math.sqrt(c["population"] / biggest)
        minutes = _("pas de lieu") if c["minutes"] is None else f"{c['minutes']:g} min"
        parts.append(format_html(
            '<circle cx="{}" cy="{}" r="{}" fill="{}" fill-opacity="0.8" '
            'stroke="#333" stroke-width="0.5"><title>{} ({} hab.) : {}</title></circle>',
            f"{x:.1f}", f"{y:.1f}", f"{r:.1f}", colour_for(c["minutes"], limit), c["name"],
            c["population"], minutes))
    for p in places:
        x, y = xy(p)
        parts.append(format_html(
            '<rect class="place" x="{}" y="{}" width="10" height="10" fill="#222">'
            '<title>{}</title></rect>', f"{x - 5:.1f}", f"{y - 5:.1f}", p["name"]))
    for p in new:
        x, y = xy(p)
        star = " ".join(
            f"{x + (9 if i % 2 == 0 else 4) * math.sin(i * math.pi / 5):.1f},"
            f"{y - (9 if i % 2 == 0 else 4) * math.cos(i * math.pi / 5):.1f}"
            for i in range(10))
        parts.append(format_html(
            '<polygon class="new-place" points="{}" fill="#2166ac" stroke="#fff">'
            '<title>{}</title></polygon>', star, _("Nouveau lieu proposé : %(name)s")
            % {"name": p["name"]}))
    legend = [format_html('<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
                          '<text x="{}" y="{}" font-size="11">{}</text>',
                          8, 8 + 15 * i, colour, 22, 17 + 15 * i, label)
              for i, (_b, colour, label) in enumerate(buckets(limit))]
    label = escape(_("Carte : communes colorées selon le temps de trajet jusqu'au lieu le plus "
                     "proche ; carrés noirs : lieux existants ; étoiles bleues : lieux "
                     "proposés."))
    return mark_safe(  # noqa: S308 - every piece above is escaped by format_html
        f'<svg class="territory-map" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{label}" xmlns="http://www.w3.org/2000/svg">'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f7f7f4"/>'
        + "".join(parts) + '<g class="legend">' + "".join(legend) + "</g></svg>")
