"""Public reference data for territory planning: communes and third places from open files.

Not network-scoped: every network of an installation plans on the same map of France.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CommuneKind(models.TextChoices):
    COMMUNE = "commune", _("commune")
    DELEGATED = "delegated", _("commune déléguée")
    ASSOCIATED = "associated", _("commune associée")
    DISTRICT = "district", _("arrondissement municipal")


class Commune(models.Model):
    """A French commune (or a delegated/associated commune or a municipal district).

    Only kind=commune rows carry the municipal population and count as demand in planning;
    the other kinds exist because sites and people still use their old INSEE codes (Autrans
    38021 is a delegated commune of Autrans-Méaudre en Vercors 38225).
    """

    insee_code = models.CharField(_("code INSEE"), max_length=5, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    search_name = models.CharField(max_length=120, db_index=True, editable=False)
    kind = models.CharField(_("type"), max_length=12, choices=CommuneKind.choices,
                            default=CommuneKind.COMMUNE)
    parent_code = models.CharField(_("commune de rattachement"), max_length=5, blank=True)
    postcodes = models.CharField(_("codes postaux"), max_length=255, blank=True,
                                 help_text=_("Séparés par des espaces."))
    population = models.PositiveIntegerField(_("population municipale"), null=True, blank=True)
    epci_code = models.CharField(_("SIREN de l'EPCI"), max_length=9, blank=True, db_index=True)
    epci_name = models.CharField(_("intercommunalité"), max_length=200, blank=True)
    department = models.CharField(_("département"), max_length=3, db_index=True)
    region = models.CharField(_("région"), max_length=3, blank=True)  # 975: overseas
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    coordinates_source = models.CharField(_("source des coordonnées"), max_length=40, blank=True)
    # None = unknown; set from the official list of mountain communes by import_communes.
    mountain = models.BooleanField(_("zone de montagne"), null=True, blank=True)

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["insee_code"]

    def __str__(self):
        return f"{self.name} ({self.insee_code})"

    def save(self, *args, **kwargs):
        from territory.text import search_key

        self.search_name = search_key(self.name)
        super().save(*args, **kwargs)

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class ExternalPlace(models.Model):
    """A third place listed in an open file (not run with maillage), used as existing supply."""

    source = models.CharField(_("source"), max_length=40)
    source_id = models.CharField(_("identifiant dans la source"), max_length=40)
    credit = models.CharField(_("crédit"), max_length=200)
    name = models.CharField(_("nom"), max_length=200)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("commune"), max_length=120, blank=True)
    insee_code = models.CharField(_("code INSEE"), max_length=5, blank=True, db_index=True)
    typology = models.CharField(_("typologie"), max_length=120, blank=True)
    website = models.CharField(_("site web"), max_length=255, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("tiers-lieu référencé")
        verbose_name_plural = _("tiers-lieux référencés")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"],
                                    name="externalplace_unique_source_id"),
        ]

    def __str__(self):
        return self.name


class RunKind(models.TextChoices):
    COVERAGE = "coverage", _("Couverture actuelle")
    MAX_COVERAGE = "max_coverage", _("Où ouvrir de nouveaux lieux")
    MIN_PLACES = "min_places", _("Combien de lieux pour X % de la population")


class RunStatus(models.TextChoices):
    PENDING = "pending", _("en attente")
    RUNNING = "running", _("en cours")
    DONE = "done", _("terminé")
    FAILED = "failed", _("échec")


class PlanningRun(models.Model):
    """One computation of the planner for a network, run in the background; its progress is
    polled by the page and its result kept for the record (what was shown to the council)."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE,
                                related_name="planning_runs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    kind = models.CharField(_("question"), max_length=20, choices=RunKind.choices)
    parameters = models.JSONField(_("paramètres"), default=dict)
    status = models.CharField(_("état"), max_length=10, choices=RunStatus.choices,
                              default=RunStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    progress_label = models.CharField(max_length=200, blank=True)
    result = models.JSONField(_("résultat"), default=dict, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The one-page summary as a PDF, rendered in the background on request (WeasyPrint).
    summary_pdf = models.BinaryField(null=True, blank=True, editable=False)
    summary_pdf_status = models.CharField(_("PDF de la synthèse"), max_length=10, blank=True,
                                          choices=RunStatus.choices)

    class Meta:
        verbose_name = _("calcul du planificateur")
        verbose_name_plural = _("calculs du planificateur")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_active(self) -> bool:
        return self.status in (RunStatus.PENDING, RunStatus.RUNNING)


class CommutingFlow(models.Model):
    """Commuters from a home commune to a work commune (INSEE "mobilités professionnelles"),
    imported by a network's coordinator for the commute-avoided estimate; one set per network,
    replaced as a whole by each import."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE,
                                related_name="commuting_flows")
    home_code = models.CharField(_("commune de résidence"), max_length=5)
    work_code = models.CharField(_("commune de travail"), max_length=5)
    commuters = models.FloatField(_("navetteurs"))  # INSEE weights (IPONDI) are not integers
    imported_at = models.DateTimeField()

    class Meta:
        verbose_name = _("flux domicile-travail")
        verbose_name_plural = _("flux domicile-travail")
        constraints = [
            models.UniqueConstraint(fields=["network", "home_code", "work_code"],
                                    name="commutingflow_unique_pair"),
        ]

    def __str__(self):
        return f"{self.home_code} → {self.work_code} : {self.commuters:g}"
