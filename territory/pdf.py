"""Server-side PDF of the one-page summary (WeasyPrint), from the same template as the page."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from territory.mapsvg import render_map
from territory.planner import pct
from territory.selectors import commute_for_run


def summary_context(run) -> dict:
    result = run.result
    scope = result.get("plan") or result.get("today")
    return {"run": run, "result": result, "network": run.network,
            "zones": scope["white_zones"][:8], "zones_count": scope["white_zones_count"],
            "today_percent": pct(result["today"]["share"]),
            "plan_percent": pct(result["plan"]["share"]) if "plan" in result else "",
            "map_svg": render_map(result.get("map", {}), result.get("minutes", 10)),
            "commute": commute_for_run(run)}


def summary_document(run, language: str | None = None):
    """WeasyPrint document of the summary (`.pages`, `.write_pdf()`); imported lazily so the
    rest of the site runs without WeasyPrint's system libraries (Pango)."""
    import weasyprint

    with translation.override(language or settings.LANGUAGE_CODE):
        html = render_to_string("territory/summary.html", {**summary_context(run), "pdf": True})
    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).render()
