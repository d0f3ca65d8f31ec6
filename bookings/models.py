from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("en attente de validation")
    CONFIRMED = "confirmed", _("confirmée")
    CANCELLED = "cancelled", _("annulée")
    CHECKED_IN = "checked_in", _("présence enregistrée")
    NO_SHOW = "no_show", _("absence")
    COMPLETED = "completed", _("terminée")


# Statuses that hold the resource: they count against seats and the exclusion constraint.
OCCUPYING_STATUSES = (
    BookingStatus.PENDING,
    BookingStatus.CONFIRMED,
    BookingStatus.CHECKED_IN,
    BookingStatus.COMPLETED,
)


class BookingSource(models.TextChoices):
    WEB = "web", _("site web")
    STAFF = "staff", _("accueil")
    API = "api", _("API")
    IMPORT = "import", _("import")
    ADMIN = "admin", _("administration")


class BookingSeries(models.Model):
    """A group of bookings made in one request: a recurrence or a run of days."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    resource = models.ForeignKey("places.Resource", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="booking_series")
    description = models.CharField(max_length=255)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("série de réservations")
        verbose_name_plural = _("séries de réservations")

    def __str__(self):
        return self.description


class Booking(models.Model):
    """A span [start, end) of a resource, stored in UTC.

    `network` and `site` are copies of the resource's, so every query can be scoped (and the
    table later partitioned) by network. `is_exclusive` copies the resource kind so that the
    PostgreSQL exclusion constraint (migration 0002) can tell exclusive bookings apart.
    """

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("places.Site", on_delete=models.CASCADE, related_name="bookings")
    resource = models.ForeignKey("places.Resource", on_delete=models.PROTECT,
                                 related_name="bookings")
    member = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="bookings")
    guest_name = models.CharField(_("nom de la personne invitée"), max_length=200, blank=True)
    guest_email = models.EmailField(_("e-mail de la personne invitée"), blank=True)
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))
    seats = models.PositiveSmallIntegerField(_("places"), default=1)
    is_exclusive = models.BooleanField(editable=False)
    status = models.CharField(_("statut"), max_length=12, choices=BookingStatus.choices,
                              default=BookingStatus.CONFIRMED)
    source = models.CharField(_("origine"), max_length=10, choices=BookingSource.choices)
    series = models.ForeignKey(BookingSeries, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="bookings")
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("réservation")
        verbose_name_plural = _("réservations")
        ordering = ["start"]
        indexes = [
            models.Index(fields=["resource", "start"], name="booking_resource_start"),
            models.Index(fields=["site", "start"], name="booking_site_start"),
            models.Index(fields=["member", "start"], name="booking_member_start"),
            models.Index(fields=["network", "start"], name="booking_network_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                   name="booking_end_after_start"),
            models.CheckConstraint(condition=models.Q(seats__gte=1), name="booking_seats_positive"),
            models.CheckConstraint(
                condition=models.Q(is_exclusive=False) | models.Q(seats=1),
                name="booking_exclusive_one_seat",
            ),
            models.CheckConstraint(
                condition=models.Q(member__isnull=False) | ~models.Q(guest_email=""),
                name="booking_member_or_guest",
            ),
        ]

    def __str__(self):
        return f"{self.resource} {self.start:%Y-%m-%d %H:%M}"

    @property
    def holder_name(self) -> str:
        if self.member_id:
            return self.member.display_name
        return self.guest_name or self.guest_email

    @property
    def is_active(self) -> bool:
        return self.status in OCCUPYING_STATUSES
