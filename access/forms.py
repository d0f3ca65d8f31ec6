from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import MemberStatus


class WalkInForm(forms.Form):
    """The kiosk form a visitor fills at the entrance."""

    name = forms.CharField(label=_("Prénom et nom"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    status = forms.ChoiceField(label=_("Vous êtes"), choices=MemberStatus.choices)
    purpose = forms.CharField(label=_("Objet de votre venue"), max_length=200, required=False,
                              help_text=_("Par exemple : travailler la journée, un rendez-vous, "
                                          "une réunion."))
    home_commune = forms.CharField(label=_("Commune de résidence"), max_length=100,
                                   required=False)
    host_email = forms.EmailField(
        label=_("Invité·e par un membre ? Son e-mail"), required=False,
        help_text=_("Votre venue est alors enregistrée avec ce membre."))
    consent = forms.BooleanField(
        label=_("J'accepte que ces informations servent à l'accueil et aux statistiques de "
                "fréquentation du lieu."))


class ScanForm(forms.Form):
    token = forms.CharField(label=_("Code du QR de réservation"), max_length=500)


class BadgeForm(forms.Form):
    uid = forms.CharField(label=_("Identifiant du badge"), max_length=40,
                          help_text=_("Passez le badge sur le lecteur branché à cet ordinateur, "
                                      "ou recopiez l'identifiant inscrit dessus."))
    label = forms.CharField(label=_("Libellé"), max_length=100, required=False)


class PinForm(forms.Form):
    pin = forms.CharField(label=_("Code personnel (4 à 6 chiffres)"), max_length=6,
                          min_length=4)


class RightsForm(forms.Form):
    around_the_clock = forms.BooleanField(label=_("Accès 24h/24 (dans les lieux qui "
                                                  "l'autorisent)"), required=False)
    access_until = forms.DateField(label=_("Droits d'accès jusqu'au (inclus)"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))


class AttendanceForm(forms.Form):
    first = forms.DateField(label=_("Du"), widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label=_("Au (inclus)"), widget=forms.DateInput(attrs={"type": "date"}))
    site = forms.ChoiceField(label=_("Lieu"), required=False)
    regular_days = forms.IntegerField(label=_("Habitué·e : au moins N jours"), min_value=1,
                                      max_value=90, initial=4)

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", _("Tous mes lieux"))] + [
            (s.slug, s.name) for s in sites]

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("last"):
            if data["last"] < data["first"]:
                raise forms.ValidationError(_("La date de fin précède la date de début."))
            if (data["last"] - data["first"]).days > 366:
                raise forms.ValidationError(_("Une période compte au plus 366 jours."))
        return data


class ControllerForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Lieu"), queryset=None, empty_label=None)
    name = forms.CharField(label=_("Nom"), max_length=100,
                           help_text=_("Par exemple : porte d'entrée, casiers."))

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites


class InvitationForm(forms.Form):
    """A member invites a guest to one of the network's sites for a day."""

    guest_name = forms.CharField(label=_("Prénom et nom de la personne invitée"),
                                 max_length=200)
    guest_email = forms.EmailField(label=_("Son e-mail"),
                                   help_text=_("Elle y reçoit son code d'accès du jour."))
    day = forms.DateField(label=_("Jour"), widget=forms.DateInput(attrs={"type": "date"}))
    site = forms.ModelChoiceField(label=_("Lieu"), queryset=None, empty_label=None)

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
