"""Forms of the coordinator's pages about people: search, staff roles, organisations."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import RoleKind
from places.models import Site, siret_validator


class MemberSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Rechercher (nom ou e-mail)"), required=False,
                        max_length=100, widget=forms.TextInput(attrs={"type": "search"}))


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class RoleForm(forms.Form):
    """Grant a staff role: coordination (whole network) or reception of one site or all."""

    kind = forms.ChoiceField(label=gettext_lazy("Rôle"), choices=RoleKind.choices)
    site = SiteChoiceField(
        label=gettext_lazy("Lieu (pour l'accueil)"), queryset=Site.objects.none(), required=False,
        empty_label=gettext_lazy("tous les lieux du réseau"),
        help_text=gettext_lazy("La coordination porte toujours sur tout le réseau."))

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(network=network).order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("kind") == RoleKind.COORDINATOR and data.get("site"):
            self.add_error("site", _("La coordination porte sur tout le réseau : laissez « tous "
                                     "les lieux du réseau »."))
        return data


class OrganisationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nom"), max_length=200)
    siret = forms.CharField(label=gettext_lazy("SIRET"), max_length=14, required=False,
                            validators=[siret_validator])
    billing_email = forms.EmailField(label=gettext_lazy("E-mail de facturation"),
                                     required=False)
    address = forms.CharField(label=gettext_lazy("Adresse"), max_length=255, required=False)
