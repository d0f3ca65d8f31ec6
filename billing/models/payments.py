"""Payments received. Balances are never stored: they are derived from these rows."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Payment", "PaymentMethod"]


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("espèces")
    CHEQUE = "cheque", _("chèque")
    TRANSFER = "transfer", _("virement")
    DIRECT_DEBIT = "sepa", _("prélèvement SEPA")
    ONLINE = "online", _("paiement en ligne")


class Payment(models.Model):
    network = models.ForeignKey("places.Network", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT,
                                related_name="payments")
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    method = models.CharField(_("moyen de paiement"), max_length=10,
                              choices=PaymentMethod.choices)
    received_on = models.DateField(_("reçu le"))
    reference = models.CharField(
        _("référence"), max_length=100, blank=True,
        help_text=_("Chèque : n° du chèque et de la remise en banque ; virement : libellé."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["received_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0),
                                   name="payment_amount_positive"),
            models.CheckConstraint(condition=~models.Q(method="cheque") | ~models.Q(reference=""),
                                   name="payment_cheque_has_reference"),
        ]

    def __str__(self):
        return f"{self.amount} ({self.get_method_display()})"
