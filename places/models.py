import datetime as dt
import zoneinfo

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

insee_validator = RegexValidator(
    r"^(\d{5}|2[AB]\d{3})$", _("Le code INSEE d'une commune compte 5 caractères (ex. 38548).")
)
siren_validator = RegexValidator(r"^\d{9}$", _("Un SIREN compte 9 chiffres."))
siret_validator = RegexValidator(r"^\d{14}$", _("Un SIRET compte 14 chiffres."))


class Network(models.Model):
    """The tenant: a network of places run by one organisation."""

    slug = models.SlugField(_("identifiant"), unique=True)
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("présentation"), blank=True)
    # Legal identity, used on invoices.
    legal_name = models.CharField(_("raison sociale"), max_length=200, blank=True)
    legal_form = models.CharField(_("forme juridique"), max_length=100, blank=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[siren_validator])
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[siret_validator])
    vat_number = models.CharField(_("n° de TVA intracommunautaire"), max_length=20, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("commune"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail de contact"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    website = models.URLField(_("site web"), blank=True)
    timezone = models.CharField(_("fuseau horaire"), max_length=64, default="Europe/Paris")
    open_registration = models.BooleanField(
        _("inscription libre"), default=True,
        help_text=_("Toute personne inscrite peut rejoindre le réseau et réserver."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("réseau")
        verbose_name_plural = _("réseaux")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Site(models.Model):
    """A third place of a network, with its services and opening hours."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="sites")
    slug = models.SlugField(_("identifiant"))
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("présentation"), blank=True)
    address = models.CharField(_("adresse"), max_length=255)
    postcode = models.CharField(_("code postal"), max_length=5)
    city = models.CharField(_("commune"), max_length=100)
    insee_code = models.CharField(_("code INSEE"), max_length=5, validators=[insee_validator])
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    # Services
    wifi_mbps = models.PositiveIntegerField(_("débit wifi (Mbit/s)"), null=True, blank=True)
    has_visio = models.BooleanField(_("visioconférence"), default=False)
    has_printer = models.BooleanField(_("imprimante"), default=False)
    has_lockers = models.BooleanField(_("casiers"), default=False)
    has_kitchen = models.BooleanField(_("cuisine"), default=False)
    step_free_access = models.BooleanField(_("accès de plain-pied (PMR)"), default=False)
    has_parking = models.BooleanField(_("parking"), default=False)
    has_bike_parking = models.BooleanField(_("stationnement vélo"), default=False)
    has_phone_booth = models.BooleanField(_("cabine téléphonique"), default=False)
    members_24_7 = models.BooleanField(
        _("accès 24h/24 pour les abonnés"), default=False,
        help_text=_("Les abonnés qui y ont droit peuvent entrer en dehors des horaires."),
    )
    half_day_split = models.TimeField(
        _("heure de bascule matin / après-midi"), default=dt.time(13, 0)
    )
    is_active = models.BooleanField(_("ouvert aux réservations"), default=True)

    class Meta:
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "slug"],
                                    name="site_unique_slug_per_network"),
        ]

    def __str__(self):
        return self.name

    SERVICE_FIELDS = (
        "has_visio", "has_printer", "has_lockers", "has_kitchen", "step_free_access",
        "has_parking", "has_bike_parking", "has_phone_booth",
    )

    def services(self) -> list[str]:
        labels = [str(self._meta.get_field(name).verbose_name) for name in self.SERVICE_FIELDS
                  if getattr(self, name)]
        if self.wifi_mbps:
            labels.insert(0, _("wifi %(mbps)s Mbit/s") % {"mbps": self.wifi_mbps})
        return labels


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("lundi")
    TUESDAY = 1, _("mardi")
    WEDNESDAY = 2, _("mercredi")
    THURSDAY = 3, _("jeudi")
    FRIDAY = 4, _("vendredi")
    SATURDAY = 5, _("samedi")
    SUNDAY = 6, _("dimanche")


class OpeningHours(models.Model):
    """One opening interval of a weekday, in the network's local time (a day may have two)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    opens = models.TimeField(_("ouverture"))
    closes = models.TimeField(_("fermeture"))

    class Meta:
        verbose_name = _("horaire d'ouverture")
        verbose_name_plural = _("horaires d'ouverture")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes__gt=models.F("opens")),
                                   name="opening_hours_closes_after_opens"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class OpeningException(models.Model):
    """A closure (holidays, works) or special hours over a range of dates."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="opening_exceptions")
    start_date = models.DateField(_("du"))
    end_date = models.DateField(_("au (inclus)"))
    closed = models.BooleanField(_("fermé"), default=True)
    opens = models.TimeField(_("ouverture"), null=True, blank=True)
    closes = models.TimeField(_("fermeture"), null=True, blank=True)
    reason = models.CharField(_("motif"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("exception d'ouverture")
        verbose_name_plural = _("exceptions d'ouverture")
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                   name="opening_exception_dates_ordered"),
            models.CheckConstraint(
                condition=models.Q(closed=True)
                | models.Q(opens__isnull=False, closes__isnull=False, closes__gt=models.F("opens")),
                name="opening_exception_hours_when_open",
            ),
        ]

    def __str__(self):
        return f"{self.site} {self.start_date}–{self.end_date} {self.reason}"


class ResourceKind(models.TextChoices):
    OPEN_SPACE = "open_space", _("espace partagé (postes en open space)")
    FIXED_DESK = "fixed_desk", _("poste fixe")
    PRIVATE_OFFICE = "private_office", _("bureau fermé")
    MEETING_ROOM = "meeting_room", _("salle de réunion")
    VISIO_POINT = "visio_point", _("point visio")
    PHONE_BOOTH = "phone_booth", _("cabine téléphonique")


class BookingUnit(models.TextChoices):
    HALF_DAY = "half_day", _("demi-journée")
    DAY = "day", _("journée")
    HOUR = "hour", _("heure")


class Resource(models.Model):
    """Something bookable. An open space is pooled (N seats); every other kind is exclusive."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=ResourceKind.choices)
    description = models.TextField(_("description"), blank=True)
    seats = models.PositiveSmallIntegerField(
        _("places"), default=1, validators=[MinValueValidator(1)],
        help_text=_("Nombre de postes d'un espace partagé ; 1 pour une ressource exclusive."),
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacité (personnes)"), default=1, validators=[MinValueValidator(1)]
    )
    booking_unit = models.CharField(
        _("unité de réservation"), max_length=10, choices=BookingUnit.choices,
        default=BookingUnit.HALF_DAY,
    )
    min_duration_minutes = models.PositiveIntegerField(_("durée minimale (minutes)"), default=0)
    max_duration_minutes = models.PositiveIntegerField(
        _("durée maximale (minutes)"), null=True, blank=True
    )
    min_notice_minutes = models.PositiveIntegerField(_("délai minimal de réservation (minutes)"),
                                                     default=0)
    max_advance_days = models.PositiveIntegerField(_("réservable jusqu'à (jours à l'avance)"),
                                                   default=90)
    cancellation_deadline_minutes = models.PositiveIntegerField(
        _("annulation possible jusqu'à (minutes avant)"), default=120
    )
    members_only = models.BooleanField(_("réservé aux membres"), default=False)
    requires_approval = models.BooleanField(_("soumis à validation"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("ressource")
        verbose_name_plural = _("ressources")
        ordering = ["site__name", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="open_space") | models.Q(seats=1),
                name="resource_only_open_space_is_pooled",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.site})"

    @property
    def is_pooled(self) -> bool:
        return self.kind == ResourceKind.OPEN_SPACE


class ResourceBlock(models.Model):
    """A span during which a resource cannot be booked (maintenance, private event)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="blocks")
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))
    reason = models.CharField(_("motif"), max_length=200, blank=True)
    created_by = models.ForeignKey("members.User", null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("blocage de ressource")
        verbose_name_plural = _("blocages de ressources")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                   name="resource_block_end_after_start"),
        ]

    def __str__(self):
        return f"{self.resource} {self.start:%Y-%m-%d %H:%M}"
