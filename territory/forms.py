from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from territory.models import RunKind
from territory.selectors import SCOPES

INSEE_LIST_HELP = _("Codes INSEE séparés par des virgules ou des espaces.")


def parse_codes(text: str) -> list[str]:
    codes = [c.strip().upper() for c in text.replace(",", " ").split() if c.strip()]
    bad = [c for c in codes if not (len(c) == 5 and (c.isdigit() or c[:2] in ("2A", "2B")))]
    if bad:
        raise ValidationError(_("Codes INSEE invalides : %(codes)s"),
                              params={"codes": ", ".join(bad)})
    return codes


class PlanningForm(forms.Form):
    """The question asked to the planner; cleaned_data is what a run stores as parameters."""

    kind = forms.ChoiceField(label=_("Question"), choices=RunKind.choices,
                             initial=RunKind.MAX_COVERAGE)
    scope = forms.ChoiceField(label=_("Périmètre"), initial="epci", choices=[
        ("epci", _("Les intercommunalités où le réseau a des lieux")),
        ("department", _("Les départements où le réseau a des lieux")),
    ])
    minutes = forms.IntegerField(label=_("Temps de trajet maximal (minutes)"), initial=10,
                                 min_value=1, max_value=90)
    new_places = forms.IntegerField(label=_("Nombre de nouveaux lieux"), initial=2,
                                    min_value=1, max_value=50, required=False)
    target_percent = forms.IntegerField(label=_("Part de la population à couvrir (%)"),
                                        initial=90, min_value=1, max_value=100,
                                        required=False)
    include_external = forms.BooleanField(
        label=_("Compter aussi les tiers-lieux référencés (base ANCT)"), required=False)
    min_population = forms.IntegerField(label=_("Communes candidates d'au moins (habitants)"),
                                        min_value=0, required=False)
    only_communes = forms.CharField(label=_("Communes candidates uniquement"), required=False,
                                    help_text=INSEE_LIST_HELP)
    excluded_communes = forms.CharField(label=_("Communes exclues"), required=False,
                                        help_text=INSEE_LIST_HELP)
    catchment_minutes = forms.IntegerField(label=_("Bassin de vie : temps de trajet (minutes)"),
                                           min_value=1, max_value=90, required=False)
    min_catchment = forms.IntegerField(label=_("Bassin de vie : habitants au minimum"),
                                       min_value=0, required=False)
    min_minutes_between = forms.IntegerField(
        label=_("Temps minimal entre deux lieux (minutes)"), min_value=0, max_value=90,
        required=False)

    def clean_scope(self):
        value = self.cleaned_data["scope"]
        if value not in SCOPES:
            raise ValidationError(_("Périmètre inconnu."))
        return value

    def clean_only_communes(self):
        return parse_codes(self.cleaned_data.get("only_communes") or "")

    def clean_excluded_communes(self):
        return parse_codes(self.cleaned_data.get("excluded_communes") or "")

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == RunKind.MAX_COVERAGE and not data.get("new_places"):
            self.add_error("new_places", _("Indiquez combien de nouveaux lieux ouvrir."))
        if kind == RunKind.MIN_PLACES and not data.get("target_percent"):
            self.add_error("target_percent", _("Indiquez la part de la population à couvrir."))
        if data.get("min_catchment") and not data.get("catchment_minutes"):
            data["catchment_minutes"] = data.get("minutes")
        return data
