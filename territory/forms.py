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


class BudgetSettingsForm(forms.Form):
    years = forms.IntegerField(label=_("Années simulées"), initial=5, min_value=1, max_value=15)
    desks = forms.IntegerField(label=_("Postes de travail"), initial=8, min_value=1,
                               max_value=500)
    open_days = forms.IntegerField(label=_("Jours d'ouverture par an"), initial=250,
                                   min_value=1, max_value=366)
    ramp_up = forms.CharField(
        # xgettext:no-python-format
        label=_("Montée en charge (% des membres par année)"), initial="100", required=False,
        help_text=_("Ex. « 50 80 100 » : 50 % des membres la 1re année, 80 % la 2e, puis "
                    "100 %."))
    charges_growth = forms.DecimalField(label=_("Hausse annuelle des charges (%)"), initial=0,
                                        min_value=-50, max_value=50, decimal_places=2)
    subsidy_label = forms.CharField(label=_("Subvention"), initial=_("Subvention dégressive"),
                                    required=False, max_length=100)
    subsidy_amount = forms.DecimalField(label=_("Montant la 1re année (€)"), initial=0,
                                        min_value=0, max_digits=12, decimal_places=2)
    subsidy_years = forms.IntegerField(label=_("Dégressive sur (années)"), initial=3,
                                       min_value=1, max_value=15)

    def clean_ramp_up(self):
        from decimal import Decimal, InvalidOperation

        text = (self.cleaned_data.get("ramp_up") or "100").replace(",", ".")
        try:
            values = [Decimal(v) / 100 for v in text.split()]
        except InvalidOperation:
            raise ValidationError(_("Des pourcentages séparés par des espaces.")) from None
        if not values or any(v < 0 or v > 5 for v in values):
            raise ValidationError(_("Des pourcentages entre 0 et 500."))
        return values


class ChargeForm(forms.Form):
    label = forms.CharField(label=_("Charge"), max_length=100)
    amount = forms.DecimalField(label=_("Montant annuel (€)"), min_value=0, max_digits=12,
                                decimal_places=2)


class FormulaForm(forms.Form):
    label = forms.CharField(label=_("Formule"), max_length=100)
    members = forms.DecimalField(label=_("Membres ou unités"), min_value=0, max_digits=8,
                                 decimal_places=2)
    price = forms.DecimalField(label=_("Prix (€)"), min_value=0, max_digits=10,
                               decimal_places=2)
    periods = forms.DecimalField(label=_("Mois facturés (ou 1)"), min_value=0, max_value=12,
                                 max_digits=4, decimal_places=2)
    desk_days = forms.DecimalField(label=_("Jours-poste par période"), min_value=0,
                                   max_digits=6, decimal_places=3)


ChargeFormSet = forms.formset_factory(ChargeForm, extra=2, can_delete=True)
FormulaFormSet = forms.formset_factory(FormulaForm, extra=2, can_delete=True)


class FlowsImportForm(forms.Form):
    file = forms.FileField(label=_("Fichier INSEE des flux domicile-travail (CSV)"),
                           help_text=_("« Mobilités professionnelles » : fichier détail "
                                       "(COMMUNE, DCLT, IPONDI) ou fichier des flux (CODGEO, "
                                       "DCLT, NBFLUX_…), éventuellement compressé (.gz)."))


class CommuteForm(forms.Form):
    share = forms.DecimalField(label=_("Part des navetteurs concernés (%)"), initial=20,
                               min_value=0, max_value=100, decimal_places=1)
    days_per_week = forms.DecimalField(label=_("Jours par semaine au tiers-lieu"), initial=1,
                                       min_value=0, max_value=5, decimal_places=1)
    weeks = forms.IntegerField(label=_("Semaines travaillées par an"), initial=45, min_value=1,
                               max_value=52)
    max_minutes = forms.IntegerField(label=_("Temps maximal jusqu'au lieu (minutes)"),
                                     initial=20, min_value=1, max_value=90)
