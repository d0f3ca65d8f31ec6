"""Forms of the coordinator's catalogue pages (/r/<network>/gestion/catalogue/).

Every form is bound to one network: the choices it offers (price groups, plans) are that
network's only, so a posted id of another network is an invalid choice. The rules the database
enforces (check and unique constraints) are checked here first, with French messages next to
the field concerned; Django's own constraint validation then runs as a safety net.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import (
    Allowance,
    BillingProfile,
    Coverage,
    Discount,
    MembershipFee,
    Pass,
    Plan,
    PlanPriceTier,
    PriceGroup,
    Quota,
    TicketBook,
    TicketCost,
    UnitPrice,
    VatRegime,
)
from places.models import Network, ResourceKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CatalogueForm(forms.ModelForm):
    """A catalogue row of `network`. The network is set on the instance before validation so
    that constraints naming it (unique names, codes…) are checked too."""

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.network = network
        self.instance.network = network
        for name in ("price_group", "plan"):
            if name in self.fields:
                model = self.fields[name].queryset.model
                self.fields[name].queryset = model.objects.filter(network=network)
        if "price_group" in self.fields:
            self.fields["price_group"].empty_label = _("tout public")

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        exclude.discard("network")
        return exclude

    def _others(self, model):
        rows = model.objects.filter(network=self.network)
        return rows.exclude(pk=self.instance.pk) if self.instance.pk else rows

    def _unique_name(self, model, message):
        name = self.cleaned_data.get("name")
        # Compared in Python: SQLite's LIKE folds the case of ASCII letters only (É, é).
        if name and name.casefold() in {other.casefold() for other in
                                        self._others(model).values_list("name", flat=True)}:
            self.add_error("name", message)


class KindsField(forms.MultipleChoiceField):
    """Resource kinds stored as a JSON list; none ticked means every kind."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", ResourceKind.choices)
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Types de ressources couverts"))
        kwargs.setdefault("help_text", _("Aucune case cochée : tous les types."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value or []


class BillingProfileForm(forms.ModelForm):
    class Meta:
        model = BillingProfile
        fields = ["vat_regime", "invoice_prefix", "credit_note_prefix", "payment_terms_days",
                  "payment_terms", "late_penalty_terms"]
        help_texts = {
            "invoice_prefix": _("Début des numéros de facture (ex. VER → VER-2026-000001). "
                                "Un nouveau préfixe ouvre une nouvelle série numérotée à "
                                "partir de 1."),
            "credit_note_prefix": _("Début des numéros d'avoir (ex. AV → AV-2026-000001)."),
            "payment_terms_days": _("L'échéance est la date de facture plus ce délai."),
        }
        widgets = {"payment_terms": forms.Textarea(attrs={"rows": 2}),
                   "late_penalty_terms": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        data = super().clean()
        invoice, credit = data.get("invoice_prefix"), data.get("credit_note_prefix")
        if invoice and credit and invoice.lower() == credit.lower():
            self.add_error("credit_note_prefix", _("Les avoirs ont leur propre série : "
                                                   "choisissez un préfixe différent de celui "
                                                   "des factures."))
        return data


class NetworkIdentityForm(forms.ModelForm):
    """The seller's identity printed on every invoice (it lives on the network)."""

    class Meta:
        model = Network
        fields = ["legal_name", "legal_form", "siren", "siret", "vat_number", "address",
                  "postcode", "city", "email", "phone"]
        help_texts = {
            "siren": _("9 chiffres."),
            "siret": _("14 chiffres : le SIREN suivi du numéro d'établissement."),
            "vat_number": _("Obligatoire si le réseau est assujetti à la TVA "
                            "(ex. FR12123456789)."),
        }

    def __init__(self, *args, vat_regime=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.vat_regime = vat_regime

    def clean(self):
        data = super().clean()
        siren, siret = data.get("siren"), data.get("siret")
        if siren and siret and not siret.startswith(siren):
            self.add_error("siret", _("Le SIRET commence par le SIREN (%(siren)s).")
                           % {"siren": siren})
        if self.vat_regime == VatRegime.REGISTERED and not data.get("vat_number"):
            self.add_error("vat_number", _("Un réseau assujetti à la TVA doit indiquer son "
                                           "numéro de TVA intracommunautaire."))
        return data


class PriceGroupForm(CatalogueForm):
    class Meta:
        model = PriceGroup
        fields = ["name", "kind"]

    def clean(self):
        data = super().clean()
        self._unique_name(PriceGroup, _("Un groupe tarifaire porte déjà ce nom."))
        return data


class MembershipFeeForm(CatalogueForm):
    class Meta:
        model = MembershipFee
        fields = ["name", "price", "period", "price_group", "vat_rate"]
        labels = {"price": _("Montant HT (€)")}


class PlanForm(CatalogueForm):
    resource_kinds = KindsField()

    class Meta:
        model = Plan
        fields = ["name", "price", "period", "allowance", "allowance_days", "resource_kinds",
                  "coverage", "away_cap_days", "around_the_clock", "commitment_months",
                  "price_group", "vat_rate"]
        labels = {"price": _("Prix HT (€) par période")}
        help_texts = {
            "commitment_months": _("0 : sans engagement. Les paliers ci-dessous peuvent "
                                   "baisser le prix selon l'engagement choisi."),
            "away_cap_days": _("Seulement si l'abonnement vaut dans tout le réseau ; vide : "
                               "sans plafond."),
        }

    def clean(self):
        data = super().clean()
        allowance, days = data.get("allowance"), data.get("allowance_days")
        if allowance == Allowance.UNLIMITED:
            data["allowance_days"] = None  # the number of days means nothing when unlimited
        elif allowance and "allowance_days" not in self.errors:
            limit = 7 if allowance == Allowance.DAYS_PER_WEEK else 31
            if not days:
                self.add_error("allowance_days", _("Indiquez le nombre de jours inclus (au "
                                                   "moins 1), ou choisissez « illimité »."))
            elif days > limit:
                self.add_error("allowance_days", _("Au plus %(n)s jours %(per)s.") % {
                    "n": limit, "per": _("par semaine") if limit == 7 else _("par mois")})
        if data.get("coverage") == Coverage.HOME_SITE and data.get("away_cap_days"):
            self.add_error("away_cap_days", _("Un plafond hors du lieu de rattachement n'a de "
                                              "sens que pour un abonnement valable dans tous "
                                              "les lieux du réseau."))
        return data


class TierForm(forms.ModelForm):
    class Meta:
        model = PlanPriceTier
        fields = ["basis", "minimum", "price"]
        labels = {"price": _("Prix unitaire HT (€)")}


class BaseTierFormSet(forms.BaseInlineFormSet):
    base_price: Decimal | None = None

    def clean(self):
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or form.errors:
                continue
            if self.base_price is not None and data.get("price") is not None \
                    and data["price"] >= self.base_price:
                form.add_error("price", _("Un palier doit coûter moins que le prix de base "
                                          "(%(price)s €), sinon il ne sert jamais.")
                               % {"price": self.base_price})


TierFormSet = forms.inlineformset_factory(Plan, PlanPriceTier, form=TierForm,
                                          formset=BaseTierFormSet, extra=2, can_delete=True)


class PassForm(CatalogueForm):
    resource_kinds = KindsField()

    class Meta:
        model = Pass
        fields = ["name", "duration", "price", "resource_kinds", "vat_rate"]
        labels = {"price": _("Prix HT (€)")}


class TicketBookForm(CatalogueForm):
    class Meta:
        model = TicketBook
        fields = ["name", "tickets", "validity_months", "price", "vat_rate"]
        labels = {"price": _("Prix HT (€) du carnet")}


class TicketCostForm(forms.ModelForm):
    class Meta:
        model = TicketCost
        fields = ["resource_kind", "unit", "tickets"]
        labels = {"tickets": _("Tickets par unité")}


TicketCostFormSet = forms.inlineformset_factory(TicketBook, TicketCost, form=TicketCostForm,
                                                extra=3, can_delete=True)


class UnitPriceForm(CatalogueForm):
    class Meta:
        model = UnitPrice
        fields = ["resource_kind", "unit", "price", "overage_price", "price_group", "vat_rate"]
        labels = {"price": _("Prix HT (€) par unité"),
                  "overage_price": _("Prix HT (€) au-delà de l'abonnement")}
        help_texts = {"overage_price": _("Pour l'usage au-delà de ce qu'inclut un abonnement ; "
                                         "vide : le prix ordinaire."),
                      "price_group": _("Un prix pour un groupe remplace le prix public pour "
                                       "ses membres.")}

    def clean(self):
        data = super().clean()
        kind, unit = data.get("resource_kind"), data.get("unit")
        if kind and unit and not self.errors:
            same = self._others(UnitPrice).filter(resource_kind=kind, unit=unit,
                                                  price_group=data.get("price_group"))
            if same.exists():
                self.add_error("unit", _("Ce type de ressource a déjà un prix à l'usage pour "
                                         "cette unité et ce public : modifiez-le plutôt."))
        return data


class DiscountForm(CatalogueForm):
    class Meta:
        model = Discount
        fields = ["name", "code", "price_group", "plan", "percent_off", "free_months",
                  "valid_from", "valid_until"]
        widgets = {"valid_from": DATE, "valid_until": DATE}
        labels = {"price_group": _("groupe tarifaire (remise automatique)")}
        help_texts = {
            "code": _("Le membre le saisit en souscrivant (majuscules ou minuscules "
                      "indifférentes)."),
            "percent_off": _("100 : gratuit."),
            "free_months": _("Compté depuis le début de l'abonnement ; vide : sans limite de "
                             "durée."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price_group"].empty_label = "—"

    def clean_code(self):
        return self.cleaned_data["code"].strip()

    def clean(self):
        data = super().clean()
        code, group = data.get("code"), data.get("price_group")
        if "code" not in self.errors and "price_group" not in self.errors \
                and not code and group is None:
            self.add_error(None, _("Une remise s'applique aux membres d'un groupe tarifaire ou "
                                   "à qui donne un code promo : indiquez l'un ou l'autre."))
        if code and code.casefold() in {other.casefold() for other in self._others(Discount)
                                        .exclude(code="").values_list("code", flat=True)}:
            self.add_error("code", _("Ce code promo existe déjà."))
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("La fin de validité précède son début."))
        return data


class QuotaForm(CatalogueForm):
    class Meta:
        model = Quota
        fields = ["name", "unit_label", "included_per_month", "overage_price", "plan",
                  "vat_rate"]
        labels = {"overage_price": _("Prix HT (€) par unité au-delà")}
        help_texts = {"unit_label": _("Ex. « pages imprimées »."),
                      "overage_price": _("Jusqu'à 4 décimales (ex. 0,05 par page).")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].empty_label = _("chaque membre")


__all__ = [
    "BillingProfileForm", "NetworkIdentityForm", "PriceGroupForm", "MembershipFeeForm",
    "PlanForm", "TierFormSet", "PassForm", "TicketBookForm", "TicketCostFormSet",
    "UnitPriceForm", "DiscountForm", "QuotaForm",
]
