from billing.models.catalogue import *  # noqa: F401,F403
from billing.models.holdings import *  # noqa: F401,F403
from billing.models.invoices import *  # noqa: F401,F403
from billing.models.ledger import *  # noqa: F401,F403
from billing.models.payments import *  # noqa: F401,F403
