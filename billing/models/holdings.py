"""What members hold and use: subscriptions, ticket wallets, passes, quota use, and the
consumption rows that tie each booking to what paid for it. Also the month-end run and the
documents (Factur-X XML, PDF) rendered for issued invoices.

Every row carries its network (tenant scoping; later partitioning by network).
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "PriceGroupMembership", "EmployerAccount", "Subscription", "SubscriptionPause",
    "TicketWallet", "PassPurchase", "Consumption", "ConsumptionSource", "QuotaUsage",
    "BillingRun", "BillingRunStatus", "InvoiceDocument", "Membership",
]


class PriceGroupMembership(models.Model):
    """A member belongs to a price group (student, job-seeker, resident…) for a period."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE,
                               related_name="price_groups")
    price_group = models.ForeignKey("billing.PriceGroup", on_delete=models.PROTECT,
                                    related_name="memberships",
                                    verbose_name=_("groupe tarifaire"))
    valid_from = models.DateField(_("depuis le"), null=True, blank=True)
    valid_until = models.DateField(_("jusqu'au"), null=True, blank=True)

    class Meta:
        verbose_name = _("appartenance à un groupe tarifaire")
        verbose_name_plural = _("appartenances aux groupes tarifaires")

    def __str__(self):
        return f"{self.member} ∈ {self.price_group}"


class EmployerAccount(models.Model):
    """An organisation that pays for its employees (members whose organisation it is): their
    bookings, passes and subscriptions go on one monthly invoice to the organisation."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    organisation = models.OneToOneField("members.Organisation", on_delete=models.CASCADE,
                                        related_name="employer_account")
    pays_bookings = models.BooleanField(_("paie les réservations"), default=True)
    pays_passes = models.BooleanField(_("paie les pass et carnets"), default=True)
    pays_subscriptions = models.BooleanField(_("paie les abonnements"), default=True)
    purchase_order = models.CharField(_("référence de commande"), max_length=100, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("compte employeur")
        verbose_name_plural = _("comptes employeur")

    def __str__(self):
        return str(self.organisation)


class Subscription(models.Model):
    """A plan sold to a member, from `starts_on` to `ends_on` (last day included; empty:
    open-ended). A change of plan ends one subscription and starts another."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="subscriptions")
    plan = models.ForeignKey("billing.Plan", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("abonnement"))
    home_site = models.ForeignKey("places.Site", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("lieu de rattachement"))
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"), null=True, blank=True)
    headcount = models.PositiveSmallIntegerField(_("nombre de personnes"), default=1,
                                                 validators=[MinValueValidator(1)])
    commitment_months = models.PositiveSmallIntegerField(_("engagement (mois)"), default=0)
    promo_code = models.CharField(_("code promo"), max_length=30, blank=True)
    payer_organisation = models.ForeignKey(
        "members.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("payé par"))
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="next", verbose_name=_("remplace"))
    invoiced_through = models.DateField(_("facturé jusqu'au"), null=True, blank=True)
    # First day whose charge an end, a pause or a change recorded after invoicing may have
    # lowered: the month-end run recomputes the invoiced periods from there and credits the
    # difference (docs/billing.md, "Month-end run").
    recheck_from = models.DateField(_("à revoir depuis"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("abonnement souscrit")
        verbose_name_plural = _("abonnements souscrits")
        ordering = ["-starts_on"]
        indexes = [models.Index(fields=["network", "member", "starts_on"],
                                name="subscription_member_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="subscription_dates_ordered"),
        ]

    def __str__(self):
        return f"{self.member} — {self.plan}"


class SubscriptionPause(models.Model):
    """A pause (holidays, sick leave): no allowance and no charge on these days."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE,
                                     related_name="pauses")
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))

    class Meta:
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                   name="pause_dates_ordered"),
        ]

    def __str__(self):
        return f"{self.subscription}: {self.starts_on} → {self.ends_on}"


class TicketWallet(models.Model):
    """A purchased book of tickets, valid until `valid_until` (included). What is left is
    derived: tickets − live consumption rows."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="ticket_wallets")
    book = models.ForeignKey("billing.TicketBook", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("carnet"))
    tickets = models.PositiveSmallIntegerField(_("tickets"))
    purchased_on = models.DateField(_("acheté le"))
    valid_until = models.DateField(_("valable jusqu'au"))
    payer_organisation = models.ForeignKey(
        "members.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("payé par"))
    invoice = models.ForeignKey("billing.Invoice", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("carnet acheté")
        verbose_name_plural = _("carnets achetés")
        ordering = ["valid_until", "pk"]

    def __str__(self):
        return f"{self.member} — {self.book}"


class PassPurchase(models.Model):
    """A pass bought (by a member or a walk-in), valid over [valid_from, valid_until]."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="passes")
    pass_product = models.ForeignKey("billing.Pass", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("pass"))
    site = models.ForeignKey("places.Site", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    valid_from = models.DateField(_("valable du"))
    valid_until = models.DateField(_("valable jusqu'au"))
    price = models.DecimalField(_("prix HT"), max_digits=10, decimal_places=2)
    payer_organisation = models.ForeignKey(
        "members.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("payé par"))
    invoice = models.ForeignKey("billing.Invoice", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pass acheté")
        verbose_name_plural = _("pass achetés")
        ordering = ["-valid_from"]

    def __str__(self):
        return f"{self.member} — {self.pass_product}"


class ConsumptionSource(models.TextChoices):
    SUBSCRIPTION = "subscription", _("abonnement")
    PASS = "pass", _("pass")
    TICKETS = "tickets", _("tickets")
    PAYG = "payg", _("à l'usage")
    OVERAGE = "overage", _("au-delà de l'abonnement")


class Consumption(models.Model):
    """What paid for (part of) a booking on one local day. A cancellation within the rules
    sets `reversed_at` (the allowance, tickets or charge are given back); rows are never
    deleted. Pay-as-you-go and overage rows carry the amount the month-end run invoices."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    booking = models.ForeignKey("bookings.Booking", on_delete=models.PROTECT,
                                related_name="consumptions")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey("places.Site", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("jour"))
    source = models.CharField(_("payé par"), max_length=12, choices=ConsumptionSource.choices)
    subscription = models.ForeignKey(Subscription, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="consumptions")
    wallet = models.ForeignKey(TicketWallet, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="consumptions")
    pass_purchase = models.ForeignKey(PassPurchase, null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="consumptions")
    half_days = models.PositiveSmallIntegerField(default=0)
    hours = models.PositiveSmallIntegerField(default=0)
    tickets = models.PositiveSmallIntegerField(default=0)
    amount = models.DecimalField(_("montant HT"), max_digits=10, decimal_places=2, default=0)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    payer_organisation = models.ForeignKey(
        "members.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+")
    reversed_at = models.DateTimeField(null=True, blank=True)
    invoice_line = models.ForeignKey("billing.InvoiceLine", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="consumptions")
    # The credit note line that gave back an invoiced row reversed afterwards.
    credit_line = models.ForeignKey("billing.InvoiceLine", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consommation")
        verbose_name_plural = _("consommations")
        indexes = [
            models.Index(fields=["network", "member", "day"], name="consumption_member_day"),
            models.Index(fields=["network", "source", "invoice_line"],
                         name="consumption_to_invoice"),
        ]

    def __str__(self):
        return f"{self.booking_id} {self.day} {self.source}"


class QuotaUsage(models.Model):
    """Use of a quota that is not a booking (printed pages…), recorded by staff or a device."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="quota_usages")
    quota = models.ForeignKey("billing.Quota", on_delete=models.PROTECT, related_name="usages")
    used_on = models.DateField(_("le"))
    quantity = models.PositiveIntegerField(_("quantité"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    invoice_line = models.ForeignKey("billing.InvoiceLine", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("relevé de quota")
        verbose_name_plural = _("relevés de quota")

    def __str__(self):
        return f"{self.member} {self.quota} {self.quantity}"


class Membership(models.Model):
    """A member's adhésion for a period (last day included), created by the month-end run
    when the fee falls due and tied to the invoice line that charged it."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT,
                               related_name="memberships_paid")
    fee = models.ForeignKey("billing.MembershipFee", on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("adhésion"))
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    invoice_line = models.ForeignKey("billing.InvoiceLine", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("adhésion d'un membre")
        verbose_name_plural = _("adhésions des membres")
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["member", "starts_on"],
                                    name="membership_unique_start"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                   name="membership_dates_ordered"),
        ]

    def __str__(self):
        return f"{self.member}: {self.starts_on} → {self.ends_on}"


class BillingRunStatus(models.TextChoices):
    QUEUED = "queued", _("en attente")
    RUNNING = "running", _("en cours")
    DONE = "done", _("terminé")
    FAILED = "failed", _("échoué")


class BillingRun(models.Model):
    """A month-end invoicing run (or its preview), executed by the task worker."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField(_("début de période"))
    period_end = models.DateField(_("fin de période"))
    preview = models.BooleanField(_("aperçu"), default=True)
    status = models.CharField(_("état"), max_length=8, choices=BillingRunStatus.choices,
                              default=BillingRunStatus.QUEUED)
    total_accounts = models.PositiveIntegerField(default=0)
    processed_accounts = models.PositiveIntegerField(default=0)
    invoices_count = models.PositiveIntegerField(default=0)
    total_net = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("facturation de fin de mois")
        verbose_name_plural = _("facturations de fin de mois")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.period_start} → {self.period_end} ({self.status})"


class InvoiceDocument(models.Model):
    """The rendered files of an issued invoice: the Factur-X XML (EN 16931) as stored text and
    the PDF/A-3 that embeds it. Written once after issue; the invoice itself stays frozen."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    invoice = models.OneToOneField("billing.Invoice", on_delete=models.PROTECT,
                                   related_name="document")
    facturx_xml = models.TextField()
    pdf = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64)
    rendered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("document de facture")
        verbose_name_plural = _("documents de facture")

    def __str__(self):
        return str(self.invoice)
