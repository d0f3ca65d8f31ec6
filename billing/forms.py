from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import PaymentMethod, ReversalReason


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Montant (€)"), max_digits=12, decimal_places=2,
                                min_value=0)
    method = forms.ChoiceField(label=_("Moyen de paiement"), choices=PaymentMethod.choices)
    received_on = forms.DateField(label=_("Reçu le"),
                                  widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(
        label=_("Référence"), max_length=100, required=False,
        help_text=_("Chèque : n° du chèque et de la remise en banque ; virement : libellé."))


class ReversalForm(forms.Form):
    """Cancel one payment of an invoice: the payment is chosen among those not reversed."""

    payment = forms.TypedChoiceField(label=_("Paiement à annuler"), coerce=int)
    reason = forms.ChoiceField(label=_("Motif"), choices=ReversalReason.choices)
    reversed_on = forms.DateField(label=_("Annulé le"),
                                  widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Précision"), max_length=200, required=False,
                           help_text=_("Par exemple : le montant saisi, le motif de la banque."))

    def __init__(self, *args, payments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment"].choices = [
            (p.pk, _("%(date)s — %(method)s — %(amount)s €%(ref)s") % {
                "date": p.received_on.strftime("%d/%m/%Y"), "method": p.get_method_display(),
                "amount": p.amount, "ref": f" ({p.reference})" if p.reference else ""})
            for p in payments]
