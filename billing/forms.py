from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import PaymentMethod


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Montant (€)"), max_digits=12, decimal_places=2,
                                min_value=0)
    method = forms.ChoiceField(label=_("Moyen de paiement"), choices=PaymentMethod.choices)
    received_on = forms.DateField(label=_("Reçu le"),
                                  widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(
        label=_("Référence"), max_length=100, required=False,
        help_text=_("Chèque : n° du chèque et de la remise en banque ; virement : libellé."))
