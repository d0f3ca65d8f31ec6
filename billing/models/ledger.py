"""The hash-chained ledger: every issued invoice, credit note, payment, payment reversal and
period closing, in order. Each entry stores the canonical JSON of its record as text (hashed
byte for byte) and SHA-256(previous hash + "\n" + that JSON); `verify_ledger` recomputes the
chain and compares each entry with the live record."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["LedgerEntry", "LedgerKind", "PeriodClosing", "GENESIS_HASH"]

GENESIS_HASH = "0" * 64


class LedgerKind(models.TextChoices):
    INVOICE = "invoice", _("facture")
    CREDIT_NOTE = "credit_note", _("avoir")
    PAYMENT = "payment", _("paiement")
    REVERSAL = "reversal", _("annulation de paiement")
    CLOSING = "closing", _("clôture de période")


class LedgerEntry(models.Model):
    network = models.ForeignKey("places.Network", on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=LedgerKind.choices)
    object_id = models.BigIntegerField()
    reference = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()
    payload = models.TextField()
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("entrée du registre")
        verbose_name_plural = _("registre")
        ordering = ["network", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["network", "sequence"], name="ledger_unique_sequence"),
            models.UniqueConstraint(fields=["network", "kind", "object_id"],
                                    name="ledger_one_entry_per_record"),
        ]

    def __str__(self):
        return f"{self.sequence} {self.kind} {self.reference}"


class PeriodClosing(models.Model):
    """A closed period: nothing may be dated on or before `period_end` any more."""

    network = models.ForeignKey("places.Network", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    totals = models.JSONField()
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey("members.User", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("clôture de période")
        verbose_name_plural = _("clôtures de période")
        ordering = ["period_end"]
        constraints = [models.UniqueConstraint(fields=["network", "period_end"],
                                               name="closing_unique_end")]

    def __str__(self):
        return f"{self.period_start} – {self.period_end}"
