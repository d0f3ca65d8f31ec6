"""Per-network API keys: a program of a network (its booking board, its website) reads the
network's bookings and members without acting as one person. Only the key's SHA-256 is kept."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

NETWORK_KEY_PREFIX = "mlgn_"


class NetworkApiKey(models.Model):
    network = models.ForeignKey("places.Network", on_delete=models.CASCADE,
                                related_name="api_keys", verbose_name=_("réseau"))
    name = models.CharField(_("nom"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=10)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("clé d'API de réseau")
        verbose_name_plural = _("clés d'API de réseau")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, network, name: str) -> tuple[NetworkApiKey, str]:
        key = NETWORK_KEY_PREFIX + secrets.token_urlsafe(32)
        found = cls.objects.create(network=network, name=name, key_hash=cls.hash_key(key),
                                   prefix=key[:10])
        return found, key
