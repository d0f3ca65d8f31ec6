from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.models import Member, Organisation


class ProfileForm(forms.ModelForm):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=pgettext_lazy("last name", "Nom"), max_length=150)

    class Meta:
        model = Member
        fields = ["status", "organisation", "employer_name", "home_commune", "home_insee",
                  "phone"]
        help_texts = {
            "home_commune": _("Sert à mesurer les trajets évités ; jamais affichée aux autres "
                              "membres."),
            "home_insee": _("Facultatif (5 caractères, ex. 38548)."),
        }

    def __init__(self, *args, network, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(network=network)
        self.fields["organisation"].required = False
        self.fields["first_name"].initial = user.first_name
        self.fields["last_name"].initial = user.last_name
        self.order_fields(["first_name", "last_name"])

    def clean_home_insee(self):
        value = self.cleaned_data["home_insee"].strip().upper()
        import re

        if value and not re.fullmatch(r"\d{5}|2[AB]\d{3}", value):
            raise forms.ValidationError(_("Le code INSEE d'une commune compte 5 caractères "
                                          "(ex. 38548)."))
        return value

    def profile_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
