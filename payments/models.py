"""SEPA direct debit, online payments and reminders (see docs/payments.md).

Money received is always a `billing.Payment` (insert-only, chained into the ledger): the rows
here only say how it was collected (mandate, batch, checkout session, provider event) and
which reminders went out.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_REMINDER_DAYS = [7, 30]


def default_reminder_days():
    return list(DEFAULT_REMINDER_DAYS)


class PaymentSettings(models.Model):
    """Per network: the SEPA creditor (ICS and the account debits are paid into) and the
    reminder steps (days after the due date)."""

    network = models.OneToOneField("places.Network", on_delete=models.CASCADE,
                                   related_name="payment_settings")
    creditor_name = models.CharField(_("nom du créancier"), max_length=70, blank=True)
    creditor_id = models.CharField(
        _("identifiant créancier SEPA (ICS)"), max_length=35, blank=True,
        help_text=_("Attribué par la banque, par ex. FR12ZZZ123456."))
    creditor_iban = models.CharField(_("IBAN du créancier"), max_length=34, blank=True)
    creditor_bic = models.CharField(_("BIC du créancier"), max_length=11, blank=True)
    reminder_days = models.JSONField(
        _("relances (jours après l'échéance)"), default=default_reminder_days, blank=True)

    class Meta:
        verbose_name = _("réglages des paiements")
        verbose_name_plural = _("réglages des paiements")

    def __str__(self):
        return str(self.network)

    @classmethod
    def of(cls, network) -> "PaymentSettings":
        return cls.objects.get_or_create(network=network)[0]

    @property
    def sepa_ready(self) -> bool:
        return bool(self.creditor_name and self.creditor_id and self.creditor_iban
                    and self.creditor_bic)


class MandateStatus(models.TextChoices):
    ACTIVE = "active", _("actif")
    REVOKED = "revoked", _("révoqué")


class Mandate(models.Model):
    """A SEPA Core direct debit mandate signed by a member or an organisation. The RUM
    (référence unique du mandat) is unique for the creditor, i.e. the network."""

    network = models.ForeignKey("places.Network", on_delete=models.PROTECT, related_name="+")
    debtor_member = models.ForeignKey("members.Member", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="mandates",
                                      verbose_name=_("membre"))
    debtor_organisation = models.ForeignKey("members.Organisation", null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="mandates",
                                            verbose_name=_("organisation"))
    debtor_name = models.CharField(_("titulaire du compte"), max_length=70)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11)
    rum = models.CharField(_("RUM"), max_length=35)
    signed_on = models.DateField(_("signé le"))
    status = models.CharField(_("statut"), max_length=8, choices=MandateStatus.choices,
                              default=MandateStatus.ACTIVE)
    revoked_on = models.DateField(_("révoqué le"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("mandat SEPA")
        verbose_name_plural = _("mandats SEPA")
        ordering = ["debtor_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["network", "rum"], name="mandate_unique_rum"),
            models.CheckConstraint(
                condition=models.Q(debtor_member__isnull=False, debtor_organisation__isnull=True)
                | models.Q(debtor_member__isnull=True, debtor_organisation__isnull=False),
                name="mandate_one_debtor"),
            # One active mandate per debtor: a batch never has to choose between two.
            models.UniqueConstraint(fields=["debtor_member"], condition=models.Q(status="active"),
                                    name="mandate_one_active_per_member"),
            models.UniqueConstraint(fields=["debtor_organisation"],
                                    condition=models.Q(status="active"),
                                    name="mandate_one_active_per_organisation"),
        ]

    def __str__(self):
        return f"{self.rum} ({self.debtor_name})"

    @property
    def masked_iban(self) -> str:
        iban = self.iban
        return f"{iban[:4]} **** **** {iban[-4:]}" if len(iban) > 8 else "****"


class BatchStatus(models.TextChoices):
    CREATED = "created", _("créé")
    COLLECTED = "collected", _("encaissé")


class DirectDebitBatch(models.Model):
    network = models.ForeignKey("places.Network", on_delete=models.PROTECT, related_name="+")
    collection_date = models.DateField(_("date d'échéance du prélèvement"))
    status = models.CharField(_("statut"), max_length=10, choices=BatchStatus.choices,
                              default=BatchStatus.CREATED)
    message_id = models.CharField(max_length=35, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    collected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("remise de prélèvements")
        verbose_name_plural = _("remises de prélèvements")
        ordering = ["-collection_date", "-pk"]

    def __str__(self):
        return f"{self.message_id} ({self.collection_date})"


class SequenceType(models.TextChoices):
    FIRST = "FRST", _("premier")
    RECURRING = "RCUR", _("récurrent")


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("en attente")
    COLLECTED = "collected", _("encaissé")
    REJECTED = "rejected", _("rejeté")
    RETURNED = "returned", _("retourné après encaissement")


class DirectDebitItem(models.Model):
    """One debit of one invoice in a batch. The amount is the invoice's balance when the batch
    was built; the Payment is recorded when the batch is marked collected."""

    network = models.ForeignKey("places.Network", on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(DirectDebitBatch, on_delete=models.CASCADE, related_name="items")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="+")
    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="items")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    sequence_type = models.CharField(max_length=4, choices=SequenceType.choices)
    end_to_end_id = models.CharField(max_length=35, unique=True)
    status = models.CharField(_("statut"), max_length=10, choices=ItemStatus.choices,
                              default=ItemStatus.PENDING)
    reject_reason = models.CharField(_("motif du rejet"), max_length=4, blank=True)
    returned_on = models.DateField(_("retourné le"), null=True, blank=True)
    payment = models.OneToOneField("billing.Payment", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["batch", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "invoice"], name="debit_item_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0),
                                   name="debit_item_amount_positive"),
        ]

    def __str__(self):
        return f"{self.end_to_end_id} {self.amount}"


class CheckoutStatus(models.TextChoices):
    OPEN = "open", _("en cours")
    PAID = "paid", _("payé")
    EXPIRED = "expired", _("expiré")
    REFUSED = "refused", _("refusé")


class CheckoutSession(models.Model):
    """A payment page opened at the provider for an invoice. Only the provider's server-side
    confirmation turns it into a Payment (never the browser's return)."""

    network = models.ForeignKey("places.Network", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(max_length=20)
    session_id = models.CharField(max_length=255, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(max_length=8, choices=CheckoutStatus.choices,
                              default=CheckoutStatus.OPEN)
    payment = models.OneToOneField("billing.Payment", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "session_id"],
                                    condition=~models.Q(session_id=""),
                                    name="checkout_unique_session"),
        ]

    def __str__(self):
        return f"{self.provider}:{self.session_id or self.pk}"


class EventOutcome(models.TextChoices):
    RECORDED = "recorded", _("paiement enregistré")
    UPDATED = "updated", _("session mise à jour")
    NO_CHANGE = "no_change", _("aucun changement")
    IGNORED = "ignored", _("ignoré")
    REFUSED = "refused", _("refusé")


class ProviderEvent(models.Model):
    """Every verified webhook, stored under the provider's event id: a replay finds its row and
    changes nothing."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    checkout = models.ForeignKey(CheckoutSession, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="events")
    payload = models.TextField()
    outcome = models.CharField(max_length=10, choices=EventOutcome.choices)
    detail = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"],
                                    name="provider_event_unique"),
        ]

    def __str__(self):
        return f"{self.provider}:{self.event_id} ({self.event_type})"


class Reminder(models.Model):
    """A reminder e-mail sent for an invoice at a step (days after due date), at most once."""

    network = models.ForeignKey("places.Network", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="+")
    step_days = models.PositiveSmallIntegerField()
    amount_due = models.DecimalField(max_digits=12, decimal_places=2)
    recipient = models.EmailField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "step_days"], name="reminder_once"),
        ]

    def __str__(self):
        return f"{self.invoice_id} +{self.step_days} j"
