"""A guest's booking request, held until the person confirms it from the e-mail link."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class GuestRequestStatus(models.TextChoices):
    PENDING = "pending", _("en attente de confirmation")
    CONFIRMED = "confirmed", _("confirmée")
    REFUSED = "refused", _("refusée à la confirmation")
    EXPIRED = "expired", _("expirée")


class GuestBookingRequest(models.Model):
    """Nothing is booked until the link is confirmed: an unconfirmed request holds no seat, so
    a stranger cannot fill a place with made-up addresses. The link carries a signed token
    naming this row; `booking` is set once, so a replayed link changes nothing."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    resource = models.ForeignKey("places.Resource", on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))
    guest_name = models.CharField(_("nom"), max_length=200, blank=True)
    guest_email = models.EmailField(_("e-mail"))
    status = models.CharField(_("statut"), max_length=10, choices=GuestRequestStatus.choices,
                              default=GuestRequestStatus.PENDING)
    refusal = models.CharField(_("motif du refus"), max_length=255, blank=True)
    booking = models.OneToOneField("bookings.Booking", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="guest_request")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("demande de réservation invitée")
        verbose_name_plural = _("demandes de réservation invitées")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="guest_request_expiry")]

    def __str__(self):
        return f"{self.guest_email} {self.resource_id} {self.start:%Y-%m-%d %H:%M}"
