from billing.models.catalogue import *  # noqa: F401,F403
