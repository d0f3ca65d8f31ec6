import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _


class MonthEndForm(forms.Form):
    month = forms.RegexField(
        label=_("Mois à facturer"), regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        error_messages={"invalid": _("Indiquez un mois au format AAAA-MM (par exemple "
                                     "2026-10).")},
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "AAAA-MM"}))

    def clean_month(self) -> dt.date:
        year, month = self.cleaned_data["month"].split("-")
        return dt.date(int(year), int(month), 1)
