"""Payments received and their reversals. Balances are never stored: they are derived from
these rows (a reversed payment no longer counts)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Payment", "PaymentMethod", "PaymentReversal", "ReversalReason"]


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


class ReversalReason(models.TextChoices):
    ENTRY_ERROR = "entry_error", _("erreur de saisie")
    DEBIT_RETURNED = "debit_returned", _("prélèvement rejeté ou retourné")
    CHEQUE_BOUNCED = "cheque_bounced", _("chèque impayé")
    REFUND = "refund", _("remboursement")


class PaymentReversal(models.Model):
    """The cancellation of a whole payment (a mistaken entry, a returned debit, a bounced
    cheque, a refund): insert-only like the payment, chained into the ledger; the payment
    then no longer counts in balances. At most one per payment."""

    network = models.ForeignKey("places.Network", on_delete=models.PROTECT, related_name="+")
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="reversal")
    reason = models.CharField(_("motif"), max_length=16, choices=ReversalReason.choices)
    note = models.CharField(_("précision"), max_length=200, blank=True)
    reversed_on = models.DateField(_("annulé le"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("annulation de paiement")
        verbose_name_plural = _("annulations de paiement")
        ordering = ["reversed_on", "pk"]

    def __str__(self):
        return f"{self.payment} annulé le {self.reversed_on}"
