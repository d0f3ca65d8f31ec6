from django import forms
from django.utils.translation import gettext_lazy as _

SERVICE_CHOICES = [
    ("visio", _("visioconférence")),
    ("imprimante", _("imprimante")),
    ("salle", _("salle de réunion")),
    ("bureau", _("bureau fermé")),
    ("casiers", _("casiers")),
    ("cuisine", _("cuisine")),
    ("pmr", _("accès de plain-pied (PMR)")),
    ("parking", _("parking")),
    ("velo", _("stationnement vélo")),
    ("cabine", _("cabine téléphonique")),
    ("24h", _("accès 24h/24 pour les abonnés")),
]
class PriceField(forms.DecimalField):
    """An amount in euros, typed with a comma or a point ("12,50" or "12.50")."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace("\u00a0", "").replace(" ", "").replace("€", "")
            value = value.replace(",", ".")
        return super().to_python(value)


SLOT_CHOICES = [("morning", _("matin")), ("afternoon", _("après-midi")), ("day", _("journée"))]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Commune ou code postal"), required=False, max_length=100)
    commune = forms.CharField(required=False, max_length=5, widget=forms.HiddenInput)
    services = forms.MultipleChoiceField(label=_("Services"), choices=SERVICE_CHOICES,
                                         required=False, widget=forms.CheckboxSelectMultiple)
    ouvert = forms.BooleanField(label=_("Ouvert maintenant"), required=False)
    date = forms.DateField(label=_("Ouvert le"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}))
    poste_date = forms.DateField(label=_("Un poste libre le"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    poste_creneau = forms.ChoiceField(label=_("Créneau"), choices=SLOT_CHOICES, required=False)
    # Compared with the place's desk price from (directory/prices.py).
    prix_max = PriceField(
        label=_("Prix d'un poste jusqu'à (€)"), required=False, min_value=0, max_value=10000,
        max_digits=7, decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
        help_text=_("Le prix public le moins cher d'un poste à la demi-journée ou à la journée, "
                    "tel que vous le payez (TTC, ou net si le lieu n'est pas assujetti à la TVA). "
                    "Les lieux qui n'affichent pas de prix de poste sont exclus quand ce filtre "
                    "est rempli."))
    # "Près de moi": filled by the browser's geolocation (directory.js), both or neither.
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180,
                           widget=forms.HiddenInput)

    page = forms.IntegerField(required=False, min_value=1, max_value=500, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise forms.ValidationError(_("Position incomplète : il faut la latitude et la "
                                          "longitude."))
        return data


class GuestBookingForm(forms.Form):
    resource = forms.TypedChoiceField(label=_("Espace"), coerce=int)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    slot = forms.ChoiceField(label=_("Créneau"), choices=SLOT_CHOICES)
    name = forms.CharField(label=_("Votre nom"), max_length=200)
    email = forms.EmailField(label=_("Votre e-mail"))

    def __init__(self, *args, resources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.resources = {r.pk: r for r in resources}
        self.fields["resource"].choices = [(r.pk, r.name) for r in resources]


class WidgetForm(forms.Form):
    """Parameters of the embeddable widget (at least a network or a commune)."""

    network = forms.SlugField(required=False, max_length=50)
    commune = forms.RegexField(regex=r"^[0-9][0-9AB][0-9]{3}$", required=False)
    minutes = forms.IntegerField(required=False, min_value=5, max_value=120)
    limite = forms.IntegerField(required=False, min_value=1, max_value=20)

    def clean(self):
        data = super().clean()
        if not data.get("network") and not data.get("commune"):
            raise forms.ValidationError(_("Indiquez un réseau (network) ou une commune "
                                          "(commune)."))
        return data
