"""Forms of the coordinator's pages for sites and resources. The rules live in
places.services; the forms only shape the input and show errors next to fields."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from places.models import Resource, ResourceKind, Site
from places.services import RESOURCE_FIELDS, SITE_FIELDS, check_seats


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = SITE_FIELDS
        widgets = {
            "half_day_split": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "slug": gettext_lazy("Utilisé dans les adresses web (lettres, chiffres, tirets)."),
            "insee_code": gettext_lazy("5 caractères, ex. 38021 (Autrans) ou 2A004 (Ajaccio)."),
            "latitude": gettext_lazy("En degrés décimaux, ex. 45.1753."),
            "longitude": gettext_lazy("En degrés décimaux, ex. 5.5447."),
            "half_day_split": gettext_lazy("Fin du matin et début de l'après-midi."),
        }


class ResourceForm(forms.ModelForm):
    class Meta:
        model = Resource
        fields = [f for f in RESOURCE_FIELDS if f != "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in ResourceKind.values and "seats" not in self.errors:
            try:
                data["seats"] = check_seats(kind, data.get("seats"))
            except ValidationError as err:
                self.add_error(None, err)
        return data
