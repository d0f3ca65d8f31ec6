"""The catalogue a coordinator edits: every tariff of a network is rows here, never code.

Prices are amounts excluding VAT (HT) with the VAT rate on the row; a network under the VAT
franchise (art. 293 B du CGI) invoices them at 0 % with the exemption mention.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from places.models import BookingUnit, ResourceKind

__all__ = [
    "BillingProfile", "VatRegime", "PriceGroup", "PriceGroupKind", "MembershipFee",
    "MembershipPeriod", "Plan", "PlanPeriod", "Allowance", "Coverage", "PlanPriceTier",
    "TierBasis", "Pass", "PassDuration", "TicketBook", "TicketCost", "UnitPrice", "Discount",
    "Quota", "AmountField", "VatRateField",
]

# Invoice numbers may only hold A-Z a-z 0-9 - _ / (and at most 35 characters).
prefix_validator = RegexValidator(r"^[A-Za-z0-9_/-]{1,8}$",
                                  _("Lettres, chiffres, « - », « _ » ou « / » seulement."))


def AmountField(verbose_name, **kw):  # noqa: N802 - reads like a field class
    kw.setdefault("validators", [MinValueValidator(Decimal("0"))])
    return models.DecimalField(verbose_name, max_digits=10, decimal_places=2, **kw)


def VatRateField(**kw):  # noqa: N802
    return models.DecimalField(_("taux de TVA (%)"), max_digits=5, decimal_places=2,
                               default=Decimal("20.00"),
                               validators=[MinValueValidator(0), MaxValueValidator(100)], **kw)


class VatRegime(models.TextChoices):
    FRANCHISE = "franchise", _("franchise en base (TVA non applicable)")
    REGISTERED = "registered", _("assujetti à la TVA")


class BillingProfile(models.Model):
    """How a network invoices; one per network. Its row is also the network's billing lock
    (ledger appends take it with SELECT ... FOR UPDATE)."""

    network = models.OneToOneField("places.Network", on_delete=models.CASCADE,
                                   related_name="billing_profile")
    vat_regime = models.CharField(_("régime de TVA"), max_length=12, choices=VatRegime.choices,
                                  default=VatRegime.FRANCHISE)
    invoice_prefix = models.CharField(_("préfixe des factures"), max_length=8, default="F",
                                      validators=[prefix_validator])
    credit_note_prefix = models.CharField(_("préfixe des avoirs"), max_length=8, default="AV",
                                          validators=[prefix_validator])
    payment_terms_days = models.PositiveSmallIntegerField(_("délai de paiement (jours)"),
                                                          default=30)
    payment_terms = models.CharField(
        _("conditions de paiement"), max_length=255,
        default="Paiement à réception, par virement, chèque ou espèces. Pas d'escompte pour "
                "paiement anticipé.")
    late_penalty_terms = models.CharField(
        _("pénalités de retard"), max_length=255,
        default="Pénalités de retard : trois fois le taux d'intérêt légal.")
    # The grace period before "unpaid" suspends door access is the access policy's
    # (access.AccessPolicy.unpaid_grace_days): one setting, not two.

    class Meta:
        verbose_name = _("paramètres de facturation")
        verbose_name_plural = _("paramètres de facturation")

    def __str__(self):
        return str(self.network)

    @classmethod
    def of(cls, network) -> "BillingProfile":
        profile, _created = cls.objects.get_or_create(
            network=network, defaults={"invoice_prefix": network.slug[:3].upper() or "F"})
        return profile


class PriceGroupKind(models.TextChoices):
    STUDENT = "student", _("étudiant·e")
    JOB_SEEKER = "job_seeker", _("demandeur·se d'emploi")
    PARTNER_COMPANY = "partner_company", _("entreprise partenaire")
    RESIDENT = "resident", _("habitant·e de l'intercommunalité")
    OTHER = "other", _("autre")


class PriceGroup(models.Model):
    """A public with its own prices or discounts (students, residents, trained newcomers…)."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("type"), max_length=20, choices=PriceGroupKind.choices)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("groupe tarifaire")
        verbose_name_plural = _("groupes tarifaires")
        constraints = [models.UniqueConstraint(fields=["network", "name"],
                                               name="price_group_unique_name")]

    def __str__(self):
        return self.name


class MembershipPeriod(models.TextChoices):
    ROLLING_YEAR = "rolling_year", _("un an de date à date")
    CALENDAR_YEAR = "calendar_year", _("année civile")


class MembershipFee(models.Model):
    """The adhésion: a yearly fee (possibly zero)."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("nom"), max_length=100)
    price = AmountField(_("montant"))
    period = models.CharField(_("période"), max_length=15, choices=MembershipPeriod.choices,
                              default=MembershipPeriod.CALENDAR_YEAR)
    price_group = models.ForeignKey(PriceGroup, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("groupe tarifaire"))
    vat_rate = VatRateField()
    is_active = models.BooleanField(_("en vente"), default=True)

    class Meta:
        verbose_name = _("adhésion")
        verbose_name_plural = _("adhésions")

    def __str__(self):
        return self.name


class PlanPeriod(models.TextChoices):
    MONTH = "month", _("mois")
    YEAR = "year", _("an")


class Allowance(models.TextChoices):
    DAYS_PER_WEEK = "days_per_week", _("jours par semaine")
    DAYS_PER_MONTH = "days_per_month", _("jours par mois")
    UNLIMITED = "unlimited", _("illimité")


class Coverage(models.TextChoices):
    HOME_SITE = "home_site", _("lieu de rattachement seulement")
    NETWORK = "network", _("tous les lieux du réseau")


class Plan(models.Model):
    """A subscription (abonnement): a price per month or year and what it includes."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("nom"), max_length=100)
    price = AmountField(_("prix"))
    period = models.CharField(_("période"), max_length=5, choices=PlanPeriod.choices,
                              default=PlanPeriod.MONTH)
    allowance = models.CharField(_("droit d'usage"), max_length=15, choices=Allowance.choices)
    allowance_days = models.PositiveSmallIntegerField(
        _("nombre de jours"), null=True, blank=True,
        help_text=_("Par semaine ou par mois selon le droit d'usage ; vide si illimité."))
    resource_kinds = models.JSONField(
        _("types de ressources couverts"), default=list, blank=True,
        help_text=_("Vide : tous les types."))
    coverage = models.CharField(_("lieux couverts"), max_length=10, choices=Coverage.choices,
                                default=Coverage.HOME_SITE)
    away_cap_days = models.PositiveSmallIntegerField(
        _("plafond hors lieu de rattachement (jours par mois)"), null=True, blank=True)
    around_the_clock = models.BooleanField(_("accès 24h/24"), default=False)
    commitment_months = models.PositiveSmallIntegerField(_("engagement (mois)"), default=0)
    price_group = models.ForeignKey(PriceGroup, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("groupe tarifaire"))
    vat_rate = VatRateField()
    is_active = models.BooleanField(_("en vente"), default=True)

    class Meta:
        verbose_name = _("abonnement")
        verbose_name_plural = _("abonnements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(allowance="unlimited", allowance_days__isnull=True)
                | (~models.Q(allowance="unlimited") & models.Q(allowance_days__gte=1)),
                name="plan_allowance_days_match_kind"),
        ]

    def __str__(self):
        return self.name

    def covers_kind(self, kind: str) -> bool:
        return not self.resource_kinds or kind in self.resource_kinds


class TierBasis(models.TextChoices):
    COMMITMENT = "commitment", _("durée d'engagement (mois)")
    HEADCOUNT = "headcount", _("nombre de personnes")


class PlanPriceTier(models.Model):
    """A degressive price: from `minimum` months of commitment (or people), the unit price is
    `price`. The lowest applicable price wins; tiers do not stack."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tiers")
    basis = models.CharField(_("critère"), max_length=10, choices=TierBasis.choices)
    minimum = models.PositiveSmallIntegerField(_("à partir de"), validators=[MinValueValidator(1)])
    price = AmountField(_("prix unitaire"))

    class Meta:
        verbose_name = _("palier de prix")
        verbose_name_plural = _("paliers de prix")
        ordering = ["basis", "minimum"]
        constraints = [models.UniqueConstraint(fields=["plan", "basis", "minimum"],
                                               name="plan_tier_unique")]

    def __str__(self):
        return f"{self.plan} {self.basis} ≥ {self.minimum}"


class PassDuration(models.TextChoices):
    HALF_DAY = "half_day", _("demi-journée")
    DAY = "day", _("journée")
    WEEK = "week", _("semaine")
    MONTH = "month", _("mois")


class Pass(models.Model):
    """A pass: unlimited use of the covered resource kinds for a half-day, day, week, month."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("nom"), max_length=100)
    duration = models.CharField(_("durée"), max_length=10, choices=PassDuration.choices)
    price = AmountField(_("prix"))
    resource_kinds = models.JSONField(_("types de ressources couverts"), default=list, blank=True)
    vat_rate = VatRateField()
    is_active = models.BooleanField(_("en vente"), default=True)

    class Meta:
        verbose_name = _("pass")
        verbose_name_plural = _("pass")

    def __str__(self):
        return self.name


class TicketBook(models.Model):
    """A book (carnet) of N tickets valid for a number of months after purchase."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("nom"), max_length=100)
    tickets = models.PositiveSmallIntegerField(_("nombre de tickets"),
                                               validators=[MinValueValidator(1)])
    validity_months = models.PositiveSmallIntegerField(_("validité (mois)"),
                                                       validators=[MinValueValidator(1)])
    price = AmountField(_("prix"))
    vat_rate = VatRateField()
    is_active = models.BooleanField(_("en vente"), default=True)

    class Meta:
        verbose_name = _("carnet de tickets")
        verbose_name_plural = _("carnets de tickets")

    def __str__(self):
        return self.name


class TicketCost(models.Model):
    """What one unit of a resource kind costs in tickets of a book (open space: 1 per half-day)."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    book = models.ForeignKey(TicketBook, on_delete=models.CASCADE, related_name="costs")
    resource_kind = models.CharField(_("type de ressource"), max_length=20,
                                     choices=ResourceKind.choices)
    unit = models.CharField(_("unité"), max_length=10, choices=BookingUnit.choices)
    tickets = models.PositiveSmallIntegerField(_("tickets"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("coût en tickets")
        verbose_name_plural = _("coûts en tickets")
        constraints = [models.UniqueConstraint(fields=["book", "resource_kind", "unit"],
                                               name="ticket_cost_unique")]

    def __str__(self):
        return f"{self.book}: {self.resource_kind}/{self.unit} = {self.tickets}"


class UnitPrice(models.Model):
    """Pay-as-you-go price of one unit of a resource kind; `overage_price` applies to use
    beyond a subscription's allowance (empty: the plain price)."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    resource_kind = models.CharField(_("type de ressource"), max_length=20,
                                     choices=ResourceKind.choices)
    unit = models.CharField(_("unité"), max_length=10, choices=BookingUnit.choices)
    price = AmountField(_("prix"))
    overage_price = AmountField(_("prix au-delà de l'abonnement"), null=True, blank=True)
    price_group = models.ForeignKey(PriceGroup, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("groupe tarifaire"))
    vat_rate = VatRateField()

    class Meta:
        verbose_name = _("prix à l'usage")
        verbose_name_plural = _("prix à l'usage")
        constraints = [
            models.UniqueConstraint(fields=["network", "resource_kind", "unit", "price_group"],
                                    name="unit_price_unique"),
            models.UniqueConstraint(fields=["network", "resource_kind", "unit"],
                                    condition=models.Q(price_group__isnull=True),
                                    name="unit_price_unique_public"),
        ]

    def __str__(self):
        return f"{self.resource_kind}/{self.unit}: {self.price}"


class Discount(models.Model):
    """A free period or a percentage off subscriptions: automatic for a price group, or
    granted by a promo code. `free_months` counts from the subscription's start."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("nom"), max_length=100)
    code = models.CharField(_("code promo"), max_length=30, blank=True)
    price_group = models.ForeignKey(PriceGroup, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("groupe tarifaire"))
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("abonnement (vide : tous)"))
    percent_off = models.DecimalField(_("remise (%)"), max_digits=5, decimal_places=2,
                                      default=Decimal("100.00"),
                                      validators=[MinValueValidator(0), MaxValueValidator(100)])
    free_months = models.PositiveSmallIntegerField(
        _("pendant (mois)"), null=True, blank=True, help_text=_("Vide : sans limite de durée."))
    valid_from = models.DateField(_("valable du"), null=True, blank=True)
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)

    class Meta:
        verbose_name = _("remise ou gratuité")
        verbose_name_plural = _("remises et gratuités")
        constraints = [
            models.UniqueConstraint(fields=["network", "code"], condition=~models.Q(code=""),
                                    name="discount_unique_code"),
        ]

    def __str__(self):
        return self.name


class Quota(models.Model):
    """A monthly allowance that is not a booking (printed pages…), billed beyond."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("nom"), max_length=100)
    unit_label = models.CharField(_("unité"), max_length=30)
    included_per_month = models.PositiveIntegerField(_("inclus par mois"))
    overage_price = models.DecimalField(_("prix par unité au-delà"), max_digits=10,
                                        decimal_places=4, default=Decimal("0"))
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="quotas",
                             verbose_name=_("abonnement (vide : chaque membre)"))
    vat_rate = VatRateField()

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")

    def __str__(self):
        return self.name
