"""Door access and presence: who may enter, with what, and who came.

Every row carries `network` so each query is scoped to one tenant. Secrets are never stored
in clear: credentials as keyed hashes (see `access.crypto`), controller keys as a random salt
from which the server re-derives the key (see `DoorController`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models import MemberStatus


class AccessPolicy(models.Model):
    """A network's access settings; a network without a row uses the defaults below."""

    network = models.OneToOneField("places.Network", on_delete=models.CASCADE,
                                   related_name="access_policy")
    code_margin_minutes = models.PositiveIntegerField(
        _("marge des codes de réservation (minutes)"), default=15,
        help_text=_("Un code ou une réservation ouvre la porte ce nombre de minutes avant le "
                    "début et après la fin."))
    unpaid_grace_days = models.PositiveIntegerField(
        _("délai de grâce d'une facture impayée (jours)"), default=15)
    no_show_enabled = models.BooleanField(
        _("libérer les réservations sans présence"), default=False,
        help_text=_("Une réservation sans présence enregistrée est libérée après le délai "
                    "propre à chaque type de ressource."))
    no_show_minutes = models.JSONField(
        _("délais de libération par type de ressource (minutes)"), default=dict, blank=True)
    no_show_warning_minutes = models.PositiveIntegerField(
        _("prévenir avant la libération (minutes)"), default=0,
        help_text=_("Le membre reçoit un e-mail ce nombre de minutes avant que sa réservation "
                    "soit libérée faute de présence (0 : pas d'avertissement)."))
    allow_list_hours = models.PositiveIntegerField(
        _("validité de la liste hors ligne (heures)"), default=48)

    class Meta:
        verbose_name = _("règles d'accès")
        verbose_name_plural = _("règles d'accès")

    def __str__(self):
        return str(self.network)


class MemberAccess(models.Model):
    """Access rights a member holds, set by staff until plans carry entitlements (issue 3),
    and the member's consent to appear on "who is here now" for other members."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    member = models.OneToOneField("members.Member", on_delete=models.CASCADE,
                                  related_name="access")
    around_the_clock = models.BooleanField(_("accès 24h/24"), default=False)
    access_until = models.DateField(_("droits d'accès jusqu'au (inclus)"), null=True, blank=True)
    show_presence = models.BooleanField(
        _("apparaître dans « qui est là » pour les autres membres"), default=False)

    class Meta:
        verbose_name = _("droits d'accès d'un membre")
        verbose_name_plural = _("droits d'accès des membres")

    def __str__(self):
        return str(self.member)


class Invitation(models.Model):
    """A member invites a guest to a site for one (local) day: the guest receives a one-off
    door code for that day, and their presence is recorded under the member."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("places.Site", on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("lieu"))
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE,
                               related_name="invitations", verbose_name=_("invité·e par"))
    guest_name = models.CharField(_("nom de la personne invitée"), max_length=200)
    guest_email = models.EmailField(_("e-mail de la personne invitée"))
    day = models.DateField(_("jour"))
    created_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-day", "-created_at"]
        indexes = [models.Index(fields=["member", "day"], name="invitation_member_day")]

    def __str__(self):
        return f"{self.guest_name} {self.day}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class CredentialKind(models.TextChoices):
    BADGE = "badge", _("badge")
    PIN = "pin", _("code personnel")
    BOOKING_CODE = "booking_code", _("code de réservation")
    INVITATION = "invitation", _("code d'invité·e")


class Credential(models.Model):
    """Something presented at a door. Only a keyed hash of the value is stored; `hint` keeps
    its last characters so staff can tell two badges apart."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="credentials")
    booking = models.ForeignKey("bookings.Booking", null=True, blank=True,
                                on_delete=models.CASCADE, related_name="access_codes")
    invitation = models.ForeignKey("access.Invitation", null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="codes")
    kind = models.CharField(_("type"), max_length=12, choices=CredentialKind.choices)
    secret_hash = models.CharField(max_length=64)
    hint = models.CharField(_("indice"), max_length=8, blank=True)
    label = models.CharField(_("libellé"), max_length=100, blank=True)
    valid_from = models.DateTimeField(_("valable à partir du"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valable jusqu'au"), null=True, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("moyen d'accès")
        verbose_name_plural = _("moyens d'accès")
        constraints = [
            # The hash covers the value's family (badge / typed code), so a PIN and a booking
            # code can never be confused at a keypad.
            models.UniqueConstraint(fields=["network", "secret_hash"],
                                    name="credential_unique_value_per_network"),
            models.CheckConstraint(
                condition=models.Q(member__isnull=False) | models.Q(booking__isnull=False),
                name="credential_member_or_booking"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} …{self.hint}"


class DoorController(models.Model):
    """A door controller or locker of a site.

    HMAC needs the same key on both sides, so it cannot be stored as a one-way hash. The
    database keeps only a random salt; the key is HMAC(ACCESS_CONTROLLER_MASTER_KEY, key_id
    + salt), recomputed per request. A stolen database alone cannot sign requests; a stolen
    master key can sign for every controller (rotate it = re-provision every controller).
    """

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("places.Site", on_delete=models.CASCADE,
                             related_name="door_controllers")
    name = models.CharField(_("nom"), max_length=100)
    key_id = models.CharField(max_length=32, unique=True)
    key_salt = models.CharField(max_length=64)
    is_active = models.BooleanField(_("actif"), default=True)
    last_seen_at = models.DateTimeField(_("dernier contact"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contrôleur de porte")
        verbose_name_plural = _("contrôleurs de porte")
        ordering = ["site__name", "name"]

    def __str__(self):
        return f"{self.name} ({self.site})"


class ControllerNonce(models.Model):
    """Nonces seen in signed requests, kept a little longer than the accepted clock skew."""

    controller = models.ForeignKey(DoorController, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["controller", "nonce"], name="nonce_once"),
        ]
        indexes = [models.Index(fields=["seen_at"], name="nonce_seen_at")]

    def __str__(self):
        return self.nonce


class AllowListIssue(models.Model):
    """A version of a controller's offline allow-list; the version goes up when its content
    changes."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    controller = models.ForeignKey(DoorController, on_delete=models.CASCADE,
                                   related_name="allow_lists")
    version = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    entries = models.PositiveIntegerField()
    valid_until = models.DateTimeField()
    issued_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["controller", "version"],
                                    name="allow_list_version_once"),
        ]
        ordering = ["-version"]

    def __str__(self):
        return f"{self.controller} v{self.version}"


class DecisionOrigin(models.TextChoices):
    ONLINE = "online", _("en ligne")
    OFFLINE = "offline", _("hors ligne (remonté plus tard)")
    CHECK = "check", _("vérification par l'accueil")


class AccessDecision(models.Model):
    """Why a door opened or not: the rule applied and the facts it was applied to."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("places.Site", on_delete=models.CASCADE, related_name="+")
    controller = models.ForeignKey(DoorController, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="decisions")
    credential = models.ForeignKey(Credential, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="decisions")
    member = models.ForeignKey("members.Member", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="access_decisions")
    at = models.DateTimeField(_("moment"))
    allowed = models.BooleanField(_("autorisé"))
    rule = models.CharField(_("règle"), max_length=32)
    reason = models.CharField(_("motif"), max_length=255)
    facts = models.JSONField(default=dict, blank=True)
    origin = models.CharField(max_length=8, choices=DecisionOrigin.choices,
                              default=DecisionOrigin.ONLINE)
    event_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("décision d'accès")
        verbose_name_plural = _("décisions d'accès")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["network", "at"], name="decision_network_at"),
            models.Index(fields=["member", "at"], name="decision_member_at"),
        ]
        constraints = [
            # A controller re-sending an event (timeout, offline upload) is recorded once.
            models.UniqueConstraint(fields=["controller", "event_id"],
                                    condition=~models.Q(event_id=""),
                                    name="decision_event_once"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.rule}"


class Visit(models.Model):
    """A walk-in visitor who registered at the kiosk (or was invited by a member)."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("places.Site", on_delete=models.CASCADE, related_name="visits")
    name = models.CharField(_("nom"), max_length=200)
    email = models.EmailField(_("e-mail"))
    status = models.CharField(_("situation"), max_length=20, choices=MemberStatus.choices)
    purpose = models.CharField(_("objet de la venue"), max_length=200, blank=True)
    home_commune = models.CharField(_("commune de résidence"), max_length=100, blank=True)
    invited_by = models.ForeignKey("members.Member", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="guests",
                                   verbose_name=_("invité·e par"))
    invitation = models.ForeignKey(Invitation, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="visits")
    booking = models.ForeignKey("bookings.Booking", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="guest_visits",
                                help_text=_("La réservation sans compte de cette personne."))
    member = models.ForeignKey("members.Member", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="walk_in_visits",
                               help_text=_("Le membre que cette personne est devenue (pass "
                                           "journée vendu à la borne)."))
    day_pass = models.ForeignKey("billing.PassPurchase", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("pass journée"))
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("visite de passage")
        verbose_name_plural = _("visites de passage")
        ordering = ["-created_at"]

    def __str__(self):
        return self.name


class PresenceSource(models.TextChoices):
    DOOR = "door", _("porte")
    QR = "qr", _("QR code")
    CONCIERGE = "concierge", _("accueil")
    KIOSK = "kiosk", _("borne d'accueil")


class PresenceDirection(models.TextChoices):
    ARRIVAL = "in", _("arrivée")
    DEPARTURE = "out", _("départ")


class PresenceEvent(models.Model):
    """Someone arrived at (or left) a site: the raw material of attendance figures."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("places.Site", on_delete=models.CASCADE,
                             related_name="presence_events")
    member = models.ForeignKey("members.Member", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="presence_events")
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="presence_events")
    booking = models.ForeignKey("bookings.Booking", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="presence_events")
    source = models.CharField(_("origine"), max_length=10, choices=PresenceSource.choices)
    direction = models.CharField(_("sens"), max_length=3, choices=PresenceDirection.choices,
                                 default=PresenceDirection.ARRIVAL)
    at = models.DateTimeField(_("moment"))
    controller = models.ForeignKey(DoorController, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="presence_events")
    event_id = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        ordering = ["at"]
        indexes = [
            models.Index(fields=["site", "at"], name="presence_site_at"),
            models.Index(fields=["network", "at"], name="presence_network_at"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["controller", "event_id"],
                                    condition=~models.Q(event_id=""),
                                    name="presence_event_once"),
            models.CheckConstraint(
                condition=models.Q(member__isnull=False) | models.Q(visit__isnull=False),
                name="presence_member_or_visit"),
        ]

    def __str__(self):
        return f"{self.site} {self.at:%Y-%m-%d %H:%M}"


class Kiosk(models.Model):
    """A tablet at a site's entrance: walk-ins register there and members scan their booking's
    QR code. Its URL carries a secret token (only its SHA-256 is stored), so the tablet needs
    no staff login that a visitor could use."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("places.Site", on_delete=models.CASCADE, related_name="kiosks")
    token_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("borne d'accueil")
        verbose_name_plural = _("bornes d'accueil")

    def __str__(self):
        return str(self.site)


class NoShowWarning(models.Model):
    """A booking's holder was warned that it would be released if nobody checked in: one row
    per booking, so the periodic task never sends the warning twice."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    booking = models.OneToOneField("bookings.Booking", on_delete=models.CASCADE,
                                   related_name="no_show_warning")
    release_at = models.DateTimeField(_("libération prévue à"))
    sent_at = models.DateTimeField(_("prévenu·e le"))

    class Meta:
        verbose_name = _("avertissement avant libération")
        verbose_name_plural = _("avertissements avant libération")

    def __str__(self):
        return f"{self.booking_id} {self.sent_at:%Y-%m-%d %H:%M}"
