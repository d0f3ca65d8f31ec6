"""Staff forms to sell and change what members hold. Choices are limited to the network's
catalogue rows on sale; the services check the rules and give the French refusals."""

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import Pass, Plan, PriceGroup, Quota, TicketBook
from places.models import Site


def _date(label, required=True, **kw):
    return forms.DateField(label=label, required=required,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           **kw)


class _NetworkForm(forms.Form):
    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                model = field.queryset.model
                qs = model.objects.filter(network=network)
                if hasattr(model, "is_active"):
                    qs = qs.filter(is_active=True)
                field.queryset = qs.order_by("name")
                if hasattr(model, "price"):  # plans, passes, books: show the price
                    field.label_from_instance = lambda obj: _("%(name)s — %(price)s € HT") % {
                        "name": obj.name, "price": obj.price}
                if name == "home_site":
                    field.empty_label = _("— aucun —")


class SubscriptionForm(_NetworkForm):
    plan = forms.ModelChoiceField(label=_("Abonnement"), queryset=Plan.objects.none())
    starts_on = _date(_("Début"))
    ends_on = _date(_("Fin (incluse)"), required=False,
                    help_text=_("Vide : sans date de fin."))
    home_site = forms.ModelChoiceField(label=_("Lieu de rattachement"), required=False,
                                       queryset=Site.objects.none())
    headcount = forms.IntegerField(label=_("Nombre de personnes"), min_value=1, initial=1)
    commitment_months = forms.IntegerField(
        label=_("Engagement (mois)"), min_value=0, required=False,
        help_text=_("Vide : l'engagement de l'abonnement."))
    promo_code = forms.CharField(label=_("Code promo"), max_length=30, required=False)


class TicketBookSaleForm(_NetworkForm):
    book = forms.ModelChoiceField(label=_("Carnet"), queryset=TicketBook.objects.none())
    purchased_on = _date(_("Acheté le"))
    invoice = forms.BooleanField(label=_("Facturer maintenant"), required=False, initial=True)


class PassSaleForm(_NetworkForm):
    pass_product = forms.ModelChoiceField(label=_("Pass"), queryset=Pass.objects.none())
    valid_from = _date(_("Valable à partir du"))
    site = forms.ModelChoiceField(label=_("Seulement au lieu"), required=False,
                                  queryset=Site.objects.none(),
                                  help_text=_("Vide : tous les lieux du réseau."))
    invoice = forms.BooleanField(label=_("Facturer maintenant"), required=False, initial=True)


class PriceGroupForm(_NetworkForm):
    price_group = forms.ModelChoiceField(label=_("Groupe tarifaire"),
                                         queryset=PriceGroup.objects.none())
    valid_from = _date(_("Depuis le"), required=False)
    valid_until = _date(_("Jusqu'au"), required=False)


class QuotaUsageForm(_NetworkForm):
    quota = forms.ModelChoiceField(label=_("Quota"), queryset=Quota.objects.none())
    used_on = _date(_("Le"))
    quantity = forms.IntegerField(label=_("Quantité"), min_value=1)


class ChangePlanForm(_NetworkForm):
    plan = forms.ModelChoiceField(label=_("Nouvel abonnement"), queryset=Plan.objects.none())
    on = _date(_("À partir du"))
    home_site = forms.ModelChoiceField(label=_("Lieu de rattachement"), required=False,
                                       queryset=Site.objects.none(),
                                       help_text=_("Vide : le même qu'aujourd'hui."))


class PauseForm(forms.Form):
    starts_on = _date(_("Suspendu du"))
    ends_on = _date(_("au (inclus)"))


class EndForm(forms.Form):
    ends_on = _date(_("Dernier jour"))
