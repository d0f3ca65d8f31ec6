"""Invoices and credit notes, as French law wants them.

An issued document is frozen: the seller's identity, the buyer, the dates, the mentions and
the totals are copied onto it when it is issued, and the database refuses any later UPDATE or
DELETE of it or of its lines (triggers, billing/db_guards.py). A correction is a credit note
(an Invoice of kind "credit_note" referring to the original).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.errors import BillingError

__all__ = ["Invoice", "InvoiceLine", "CreditNote", "InvoiceCounter", "InvoiceKind",
           "InvoiceStatus", "VAT_FRANCHISE_MENTION", "RECOVERY_INDEMNITY"]

VAT_FRANCHISE_MENTION = "TVA non applicable, art. 293 B du CGI"
# Art. L441-10 and D441-5 du code de commerce: fixed indemnity owed by a business buyer.
RECOVERY_INDEMNITY = Decimal("40.00")


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("facture")
    CREDIT_NOTE = "credit_note", _("avoir")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("brouillon")
    ISSUED = "issued", _("émise")


class InvoiceCounter(models.Model):
    """The last number used in a series (prefix) for a year; locked while a number is taken."""

    network = models.ForeignKey("places.Network", on_delete=models.PROTECT, related_name="+")
    series = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "series", "year"],
                                               name="invoice_counter_unique")]

    def __str__(self):
        return f"{self.series}-{self.year}: {self.last_number}"


class FrozenWhenIssued(models.Model):
    """Model-level guard (the database has the same rule as triggers)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._guard()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._guard()
        return super().delete(*args, **kwargs)

    def _guard(self):
        raise NotImplementedError


class Invoice(FrozenWhenIssued):
    network = models.ForeignKey("places.Network", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("type"), max_length=12, choices=InvoiceKind.choices,
                            default=InvoiceKind.INVOICE)
    status = models.CharField(_("statut"), max_length=8, choices=InvoiceStatus.choices,
                              default=InvoiceStatus.DRAFT)
    number = models.CharField(_("numéro"), max_length=35, null=True, blank=True)
    credited_invoice = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="credit_notes",
                                         verbose_name=_("facture corrigée"))
    reason = models.CharField(_("motif"), max_length=255, blank=True)
    buyer_member = models.ForeignKey("members.Member", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="invoices")
    buyer_organisation = models.ForeignKey("members.Organisation", null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="invoices")
    # Mentions, copied when issued.
    seller_name = models.CharField(_("vendeur"), max_length=200, blank=True)
    seller_legal_form = models.CharField(_("forme juridique"), max_length=100, blank=True)
    seller_address = models.CharField(_("adresse du vendeur"), max_length=400, blank=True)
    seller_siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    seller_siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    seller_vat_number = models.CharField(_("n° de TVA"), max_length=20, blank=True)
    vat_mention = models.CharField(_("mention TVA"), max_length=100, blank=True)
    buyer_name = models.CharField(_("client"), max_length=200, blank=True)
    buyer_address = models.CharField(_("adresse du client"), max_length=400, blank=True)
    buyer_siret = models.CharField(_("SIRET du client"), max_length=14, blank=True)
    buyer_is_business = models.BooleanField(_("client professionnel"), default=False)
    issue_date = models.DateField(_("date d'émission"), null=True, blank=True)
    service_start = models.DateField(_("début de la prestation"))
    service_end = models.DateField(_("fin de la prestation"))
    due_date = models.DateField(_("date d'échéance"), null=True, blank=True)
    payment_terms = models.CharField(_("conditions de paiement"), max_length=255, blank=True)
    late_penalty_terms = models.CharField(_("pénalités de retard"), max_length=255, blank=True)
    recovery_indemnity = models.DecimalField(
        _("indemnité forfaitaire pour frais de recouvrement"), max_digits=10, decimal_places=2,
        null=True, blank=True)
    total_net = models.DecimalField(_("total HT"), max_digits=12, decimal_places=2,
                                    default=Decimal("0"))
    total_vat = models.DecimalField(_("total TVA"), max_digits=12, decimal_places=2,
                                    default=Decimal("0"))
    total_gross = models.DecimalField(_("total TTC"), max_digits=12, decimal_places=2,
                                      default=Decimal("0"))
    vat_breakdown = models.JSONField(_("TVA par taux"), default=list, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        ordering = ["-issue_date", "-number"]
        indexes = [models.Index(fields=["network", "status", "due_date"],
                                name="invoice_network_due")]
        constraints = [
            models.UniqueConstraint(fields=["network", "number"],
                                    condition=models.Q(number__isnull=False),
                                    name="invoice_unique_number"),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(number__isnull=False, issue_date__isnull=False,
                           due_date__isnull=False),
                name="invoice_issued_has_number_and_dates"),
            models.CheckConstraint(
                condition=models.Q(kind="invoice", credited_invoice__isnull=True)
                | models.Q(kind="credit_note", credited_invoice__isnull=False),
                name="invoice_credit_note_refers_to_original"),
            models.CheckConstraint(
                condition=models.Q(buyer_member__isnull=False)
                | models.Q(buyer_organisation__isnull=False),
                name="invoice_has_buyer"),
            models.CheckConstraint(condition=models.Q(service_end__gte=models.F("service_start")),
                                   name="invoice_service_period_ordered"),
        ]

    def __str__(self):
        return self.number or f"brouillon n° {self.pk}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._stored_status = self.status

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_status = instance.__dict__.get("status")
        return instance

    def _guard(self):
        if getattr(self, "_stored_status", None) == InvoiceStatus.ISSUED:
            raise BillingError("issued_is_final",
                               _("Une facture émise ne peut plus être modifiée ni supprimée : "
                                 "établissez un avoir."))

    @property
    def is_issued(self) -> bool:
        return self.status == InvoiceStatus.ISSUED

    @property
    def signed_total(self) -> Decimal:
        """What the buyer owes by this document (a credit note counts negative)."""
        return -self.total_gross if self.kind == InvoiceKind.CREDIT_NOTE else self.total_gross


class CreditNoteManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(kind=InvoiceKind.CREDIT_NOTE)


class CreditNote(Invoice):
    """An avoir: same table, numbered in its own series, always referring to an invoice."""

    objects = CreditNoteManager()

    class Meta:
        proxy = True
        verbose_name = _("avoir")
        verbose_name_plural = _("avoirs")


class InvoiceLine(FrozenWhenIssued):
    network = models.ForeignKey("places.Network", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(_("désignation"), max_length=255)
    quantity = models.DecimalField(_("quantité"), max_digits=10, decimal_places=3)
    unit_price = models.DecimalField(_("prix unitaire HT"), max_digits=10, decimal_places=2)
    vat_rate = models.DecimalField(_("taux de TVA (%)"), max_digits=5, decimal_places=2)
    net = models.DecimalField(_("montant HT"), max_digits=12, decimal_places=2)
    vat = models.DecimalField(_("TVA"), max_digits=12, decimal_places=2)
    gross = models.DecimalField(_("montant TTC"), max_digits=12, decimal_places=2)
    # Who used it (an employer's invoice lists its employees) and where: for reports.
    member = models.ForeignKey("members.Member", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey("places.Site", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    # A subscription's charge (or its credit) and the days it covers: what the month-end
    # run compares with a recomputation when the subscription changed after invoicing.
    subscription = models.ForeignKey("billing.Subscription", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("ligne de facture")
        verbose_name_plural = _("lignes de facture")
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"],
                                               name="invoice_line_unique_position")]

    def __str__(self):
        return self.label

    def _guard(self):
        status = (Invoice.objects.filter(pk=self.invoice_id).values_list("status", flat=True)
                  .first())
        if status == InvoiceStatus.ISSUED:
            raise BillingError("issued_is_final",
                               _("Une facture émise ne peut plus être modifiée ni supprimée : "
                                 "établissez un avoir."))
