import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_SPAN_DAYS = 731  # a first fiscal year may last up to 24 months


class ExportForm(forms.Form):
    EXPORTS = [("fec", _("FEC (fichier des écritures comptables)")),
               ("factures", _("Factures et avoirs (CSV)")),
               ("paiements", _("Paiements (CSV)"))]

    export = forms.ChoiceField(label=_("Export"), choices=EXPORTS)
    start = forms.DateField(label=_("Du"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Au"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("La date de fin précède la date de début."))
            if end - start > dt.timedelta(days=MAX_SPAN_DAYS):
                raise forms.ValidationError(_("Un export couvre au plus un exercice de "
                                              "24 mois."))
        return data
