"""Test settings: the real settings with test-friendly environment defaults.

Tasks run inline ("immediate" huey, still through the task functions) unless a test swaps the
queue; e-mails land in django.core.mail.outbox.
"""

import os

os.environ.setdefault("TASKS_URL", "immediate")
os.environ.setdefault("EMAIL_DELIVERY_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("MAILLAGE_FAST_PASSWORD_HASHER", "true")
os.environ.setdefault("MAILLAGE_DISABLE_RATE_LIMITS", "true")

from maillage.settings import *  # noqa: E402,F403
