import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person, identified by e-mail; what they may do depends on their Member rows."""

    username = None
    email = models.EmailField(_("adresse e-mail"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self):
        return self.get_full_name() or self.email


class Organisation(models.Model):
    """An employer (or any organisation) whose people use the network."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE,
                                related_name="organisations")
    name = models.CharField(_("nom"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    billing_email = models.EmailField(_("e-mail de facturation"), blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "name"], name="organisation_unique_name"),
        ]

    def __str__(self):
        return self.name


class MemberStatus(models.TextChoices):
    EMPLOYEE = "employee", _("salarié·e en télétravail")
    FREELANCER = "freelancer", _("indépendant·e")
    CREATOR = "creator", _("créateur·rice d'entreprise")
    JOB_SEEKER = "job_seeker", _("demandeur·se d'emploi")
    STUDENT = "student", _("étudiant·e")
    PUBLIC_AGENT = "public_agent", _("agent public")
    OTHER = "other", _("autre")


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Member(models.Model):
    """A person's membership of one network, with their profile there."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    status = models.CharField(_("situation"), max_length=20, choices=MemberStatus.choices,
                              default=MemberStatus.OTHER)
    organisation = models.ForeignKey(Organisation, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="members",
                                     verbose_name=_("employeur"))
    employer_name = models.CharField(_("employeur (si absent de la liste)"), max_length=200,
                                     blank=True)
    home_commune = models.CharField(_("commune de résidence"), max_length=100, blank=True)
    home_insee = models.CharField(_("code INSEE de la commune"), max_length=5, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    is_active = models.BooleanField(_("actif"), default=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        ordering = ["user__last_name", "user__first_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["network", "user"], name="member_unique_per_network"),
        ]

    def __str__(self):
        return str(self.user)

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.email


class RoleKind(models.TextChoices):
    COORDINATOR = "coordinator", _("coordination du réseau")
    CONCIERGE = "concierge", _("accueil (concierge)")


class Role(models.Model):
    """A staff role. Coordinators act on the whole network; a concierge on one site,
    or on every site of the network when `site` is empty."""

    network = models.ForeignKey("places.Network", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("rôle"), max_length=20, choices=RoleKind.choices)
    site = models.ForeignKey("places.Site", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="staff_roles", verbose_name=_("lieu"))

    class Meta:
        verbose_name = _("rôle")
        verbose_name_plural = _("rôles")
        constraints = [
            models.UniqueConstraint(fields=["member", "kind", "site"], name="role_unique_per_site",
                                    condition=models.Q(site__isnull=False)),
            models.UniqueConstraint(fields=["member", "kind"], name="role_unique_network_wide",
                                    condition=models.Q(site__isnull=True)),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.site or self.network}"


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("nom"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str) -> tuple["ApiToken", str]:
        key = "mlg_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=cls.hash_key(key), prefix=key[:8])
        return token, key
