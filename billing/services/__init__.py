"""Every billing write goes through these functions (pages, admin, month-end runs alike)."""

from billing.services.invoices import (  # noqa: F401
    LineInput,
    draft_invoice,
    issue_credit_note,
    issue_invoice,
)
