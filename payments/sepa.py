"""SEPA Core direct debit: mandates, monthly batches, pain.008 export, collection.

Sequence type: a mandate's collection is FRST until one of its debits has been presented and
not rejected; afterwards RCUR (a rejected FRST leaves the mandate unused, so the next debit is
FRST again). Several invoices of one debtor in one batch are several transactions of the same
sequence type.

Rejections (R-transactions): the bank's statement lists the debits it could not collect; when
the batch is marked collected, those items are marked rejected with their ISO reason code and
no Payment is recorded for them, so the invoice stays unpaid (reminders, door rules and the
next batch see it). A return after the batch was marked collected reverses the Payment
(billing's `reverse_system_payment`: a chained, insert-only reversal row), so the invoice owes
its amount again — see docs/payments.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaDD

from billing.errors import BillingError
from billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    PaymentMethod,
    PaymentReversal,
    ReversalReason,
)
from billing.selectors import balance_of, with_balances
from billing.services.payments import record_payment, reverse_system_payment
from core import audit
from core.money import money
from payments.errors import PaymentsError
from payments.models import (
    BatchStatus,
    DirectDebitBatch,
    DirectDebitItem,
    ItemStatus,
    Mandate,
    MandateStatus,
    PaymentSettings,
    SequenceType,
)

log = logging.getLogger(__name__)

PAIN_SCHEMA = "pain.008.001.02"
# The reason codes a French bank statement gives for a rejected or returned SEPA debit.
REJECT_REASONS = [
    ("AC01", gettext_lazy("AC01 — IBAN incorrect")),
    ("AC04", gettext_lazy("AC04 — compte clôturé")),
    ("AC06", gettext_lazy("AC06 — compte bloqué")),
    ("AG01", gettext_lazy("AG01 — prélèvement interdit sur ce compte")),
    ("AM04", gettext_lazy("AM04 — provision insuffisante")),
    ("MD01", gettext_lazy("MD01 — pas de mandat valide")),
    ("MD06", gettext_lazy("MD06 — remboursement demandé par le débiteur")),
    ("MD07", gettext_lazy("MD07 — débiteur décédé")),
    ("MS02", gettext_lazy("MS02 — refus du débiteur")),
    ("MS03", gettext_lazy("MS03 — motif non communiqué")),
    ("SL01", gettext_lazy("SL01 — service spécifique de la banque")),
]
_RUM_ALLOWED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+?/-:().,' ")


def clean_iban(value: str) -> str:
    try:
        return str(IBAN(value.replace(" ", "").upper()).compact)
    except (SchwiftyException, ValueError) as err:
        raise PaymentsError("iban", _("IBAN invalide (vérifiez les chiffres et la clé).")) from err


def clean_bic(value: str) -> str:
    try:
        return str(BIC(value.replace(" ", "").upper()).compact)
    except (SchwiftyException, ValueError) as err:
        raise PaymentsError("bic", _("BIC invalide.")) from err


def clean_creditor_id(value: str) -> str:
    """A SEPA creditor identifier: country, 2 check digits (ISO 7064 mod 97-10 over the
    national part + country, like an IBAN), the business code, then the national id."""
    ics = value.replace(" ", "").upper()
    if len(ics) < 8 or len(ics) > 35 or not ics[:2].isalpha() or not ics[2:4].isdigit():
        raise PaymentsError("creditor_id", _("Identifiant créancier SEPA (ICS) invalide."))
    digits = "".join(str(int(c, 36)) for c in ics[7:] + ics[:4])
    if int(digits) % 97 != 1:
        raise PaymentsError("creditor_id", _("Identifiant créancier SEPA (ICS) invalide "
                                             "(clé de contrôle)."))
    return ics


def new_rum(network) -> str:
    return f"{network.slug[:12].upper()}-{secrets.token_hex(6).upper()}"


def active_mandate_of(*, member=None, organisation=None):
    qs = Mandate.objects.filter(status=MandateStatus.ACTIVE)
    if member is not None:
        return qs.filter(debtor_member=member).first()
    return qs.filter(debtor_organisation=organisation).first()


def create_mandate(network, *, member=None, organisation=None, debtor_name: str, iban: str,
                   bic: str, signed_on: dt.date, rum: str = "", actor, now) -> Mandate:
    if (member is None) == (organisation is None):
        raise PaymentsError("debtor", _("Choisissez un membre ou une organisation."))
    debtor = member or organisation
    if debtor.network_id != network.pk:
        raise PaymentsError("other_network", _("Ce débiteur n'appartient pas à ce réseau."))
    debtor_name = debtor_name.strip()
    if not debtor_name:
        raise PaymentsError("debtor_name", _("Indiquez le titulaire du compte."))
    iban, bic = clean_iban(iban), clean_bic(bic)
    rum = rum.strip() or new_rum(network)
    if len(rum) > 35 or not set(rum) <= _RUM_ALLOWED or rum.startswith((" ", "/")):
        raise PaymentsError("rum", _("La RUM compte au plus 35 caractères (lettres, chiffres "
                                     "et + ? / - : ( ) . , ')."))
    if signed_on > now.astimezone(network.tz).date():
        raise PaymentsError("signed_on", _("La date de signature ne peut être dans le futur."))
    with transaction.atomic():
        if Mandate.objects.filter(network=network, rum=rum).exists():
            raise PaymentsError("rum_taken", _("Cette RUM est déjà utilisée dans le réseau."))
        if active_mandate_of(member=member, organisation=organisation) is not None:
            raise PaymentsError("already", _("Ce débiteur a déjà un mandat actif : révoquez-le "
                                             "d'abord."))
        mandate = Mandate.objects.create(
            network=network, debtor_member=member, debtor_organisation=organisation,
            debtor_name=debtor_name[:70], iban=iban, bic=bic, rum=rum, signed_on=signed_on,
            created_by=actor, created_at=now)
        audit.record(network=network, actor=actor, action="payments.mandate.created",
                     target=mandate, data={"rum": rum})
    return mandate


def revoke_mandate(mandate: Mandate, *, actor, now) -> Mandate:
    with transaction.atomic():
        mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
        if mandate.status == MandateStatus.REVOKED:
            return mandate
        mandate.status = MandateStatus.REVOKED
        mandate.revoked_on = now.astimezone(mandate.network.tz).date()
        mandate.save(update_fields=["status", "revoked_on"])
        audit.record(network=mandate.network, actor=actor, action="payments.mandate.revoked",
                     target=mandate, data={"rum": mandate.rum})
    return mandate


def sequence_type(mandate: Mandate) -> str:
    used = DirectDebitItem.objects.filter(mandate=mandate).exclude(status=ItemStatus.REJECTED)
    return SequenceType.RECURRING if used.exists() else SequenceType.FIRST


def lapsed(mandate, collection_date: dt.date) -> bool:
    """SEPA rulebook: a mandate unused for 36 months (since its last collection, or since its
    signature if never used) has lapsed and must be signed again. Needs `last_used`
    (annotated by `debit_candidates`)."""
    since = mandate.last_used or mandate.signed_on
    try:
        limit = since.replace(year=since.year + 3)
    except ValueError:  # 29 February
        limit = since.replace(year=since.year + 3, day=28)
    return collection_date > limit


def debit_candidates(network, *, collection_date: dt.date):
    """(invoice, mandate, amount) for every issued invoice with something left to pay whose
    buyer has an active mandate signed by the collection date and not lapsed, and that no
    batch still waiting to be collected already holds."""
    pending = DirectDebitItem.objects.filter(network=network, status=ItemStatus.PENDING)
    invoices = with_balances(Invoice.objects.filter(
        network=network, kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED)
        .exclude(pk__in=pending.values("invoice_id"))).filter(balance__gt=0).order_by(
        "issue_date", "number")
    mandates = [m for m in Mandate.objects.filter(
        network=network, status=MandateStatus.ACTIVE, signed_on__lte=collection_date).annotate(
        last_used=Max("items__batch__collection_date",
                      filter=~Q(items__status=ItemStatus.REJECTED)))
        if not lapsed(m, collection_date)]
    by_member = {m.debtor_member_id: m for m in mandates if m.debtor_member_id}
    by_org = {m.debtor_organisation_id: m for m in mandates if m.debtor_organisation_id}
    for invoice in invoices:
        mandate = (by_member.get(invoice.buyer_member_id) if invoice.buyer_member_id
                   else by_org.get(invoice.buyer_organisation_id))
        if mandate is not None:
            yield invoice, mandate, invoice.balance


def build_batch(network, *, collection_date: dt.date, actor, now) -> DirectDebitBatch:
    """The batch of every debit candidate, FRST or RCUR per mandate."""
    creditor = PaymentSettings.of(network)
    if not creditor.sepa_ready:
        raise PaymentsError("creditor", _("Renseignez d'abord le créancier SEPA (nom, ICS, IBAN, "
                                          "BIC) dans les réglages des paiements."))
    if collection_date <= now.astimezone(network.tz).date():
        raise PaymentsError("collection_date", _("La date de prélèvement doit être postérieure à "
                                                 "aujourd'hui."))
    with transaction.atomic():
        candidates = list(debit_candidates(network, collection_date=collection_date))
        if not candidates:
            raise PaymentsError("empty", _("Aucune facture à prélever : aucune facture impayée "
                                           "d'un débiteur ayant un mandat actif."))
        batch = DirectDebitBatch.objects.create(
            network=network, collection_date=collection_date, created_by=actor, created_at=now,
            message_id=f"{network.slug[:10].upper()}-{now:%Y%m%d%H%M%S}-"
                       f"{secrets.token_hex(4).upper()}")
        sequences = {}
        items = []
        for invoice, mandate, amount in candidates:
            if mandate.pk not in sequences:
                sequences[mandate.pk] = sequence_type(mandate)
            items.append(DirectDebitItem(
                network=network, batch=batch, invoice=invoice, mandate=mandate,
                amount=money(amount), sequence_type=sequences[mandate.pk],
                end_to_end_id=f"{invoice.number[:22]}-{secrets.token_hex(6).upper()}"))
        DirectDebitItem.objects.bulk_create(items)
        audit.record(network=network, actor=actor, action="payments.batch.created",
                     target=batch, data={"items": len(items),
                                         "total": str(sum(i.amount for i in items))})
    return batch


def export_pain008(batch: DirectDebitBatch) -> bytes:
    """The batch as a pain.008.001.02 file, built and XSD-validated by sepaxml."""
    creditor = PaymentSettings.of(batch.network)
    if not creditor.sepa_ready:
        raise PaymentsError("creditor", _("Renseignez d'abord le créancier SEPA."))
    sepa = SepaDD({"name": creditor.creditor_name, "IBAN": creditor.creditor_iban,
                   "BIC": creditor.creditor_bic, "batch": True,
                   "creditor_id": creditor.creditor_id, "currency": "EUR"},
                  schema=PAIN_SCHEMA, clean=True)
    sepa._xml.find("CstmrDrctDbtInitn/GrpHdr/MsgId").text = batch.message_id
    items = batch.items.select_related("invoice", "mandate").order_by("pk")
    for item in items:
        sepa.add_payment({
            "name": item.mandate.debtor_name,
            "IBAN": item.mandate.iban,
            "BIC": item.mandate.bic,
            "amount": int(item.amount * 100),
            "type": item.sequence_type,
            "collection_date": batch.collection_date,
            "mandate_id": item.mandate.rum,
            "mandate_date": item.mandate.signed_on,
            "description": _("Facture %(number)s") % {"number": item.invoice.number},
            "endtoend_id": item.end_to_end_id,
        })
    return sepa.export(validate=True)


def mark_collected(batch: DirectDebitBatch, *, rejected: dict[int, str], actor, now) -> dict:
    """The bank collected the batch except the `rejected` items ({item id: reason code}).
    Collected items become `sepa` Payments dated the collection date (through
    `record_payment`, so the actor must be staff of the network); rejected items stay unpaid.
    Returns {"collected": n, "rejected": n, "excess": [(invoice number, amount)]}: an invoice
    paid meanwhile by other means is recorded only up to its balance, the rest is to refund."""
    codes = {code for code, _label in REJECT_REASONS}
    if any(code not in codes for code in rejected.values()):
        raise PaymentsError("reason", _("Motif de rejet inconnu."))
    result = {"collected": 0, "rejected": 0, "excess": []}
    with transaction.atomic():
        batch = DirectDebitBatch.objects.select_for_update().select_related("network").get(
            pk=batch.pk)
        if batch.status != BatchStatus.CREATED:
            raise PaymentsError("done", _("Cette remise est déjà encaissée."))
        if batch.collection_date > now.astimezone(batch.network.tz).date():
            raise PaymentsError("early", _("La remise ne peut être encaissée avant sa date de "
                                           "prélèvement."))
        items = list(batch.items.select_related("invoice", "mandate").order_by("pk"))
        unknown = set(rejected) - {item.pk for item in items}
        if unknown:
            raise PaymentsError("item", _("Ligne de prélèvement inconnue."))
        for item in items:
            if item.pk in rejected:
                item.status, item.reject_reason = ItemStatus.REJECTED, rejected[item.pk]
                item.save(update_fields=["status", "reject_reason"])
                result["rejected"] += 1
                continue
            amount = min(item.amount, balance_of(item.invoice))
            if amount < item.amount:
                result["excess"].append((item.invoice.number, item.amount - amount))
                log.warning("SEPA debit %s collected %s more than invoice %s owed",
                            item.end_to_end_id, item.amount - amount, item.invoice.number)
            if amount > 0:
                try:
                    item.payment = record_payment(
                        item.invoice, amount=amount, method=PaymentMethod.DIRECT_DEBIT,
                        received_on=batch.collection_date, actor=actor, now=now,
                        reference=_("Prélèvement %(id)s, RUM %(rum)s") % {
                            "id": item.end_to_end_id, "rum": item.mandate.rum})
                except BillingError as err:
                    raise PaymentsError(err.code, err.message) from err
            item.status = ItemStatus.COLLECTED
            item.save(update_fields=["status", "payment"])
            result["collected"] += 1
        batch.status, batch.collected_at = BatchStatus.COLLECTED, now
        batch.save(update_fields=["status", "collected_at"])
        audit.record(network=batch.network, actor=actor, action="payments.batch.collected",
                     target=batch, data={"collected": result["collected"],
                                         "rejected": result["rejected"]})
    return result


def record_return(item: DirectDebitItem, *, reason: str, returned_on: dt.date, actor,
                  now) -> DirectDebitItem:
    """A debit returned after its batch was marked collected (R-transaction after settlement,
    e.g. a debtor's refund within 8 weeks). The item is marked returned with its reason and
    date, and the `sepa` Payment recorded for it is reversed (billing's system path, dated
    the return day, in the same transaction): the invoice owes its amount again, so
    reminders, the door rules and the next batch see it. A payment staff already reversed by
    hand is left as it is. A return dated in a closed accounting period is refused."""
    if reason not in {code for code, _label in REJECT_REASONS}:
        raise PaymentsError("reason", _("Motif de rejet inconnu."))
    with transaction.atomic():
        item = DirectDebitItem.objects.select_for_update().select_related(
            "batch", "network", "invoice").get(pk=item.pk)
        if item.status != ItemStatus.COLLECTED:
            raise PaymentsError("not_collected", _("Seul un prélèvement encaissé peut être "
                                                   "retourné."))
        if not item.batch.collection_date <= returned_on <= now.astimezone(
                item.network.tz).date():
            raise PaymentsError("returned_on", _("La date du retour doit être comprise entre la "
                                                 "date de prélèvement et aujourd'hui."))
        reversal = None
        if item.payment is not None and not PaymentReversal.objects.filter(
                payment=item.payment).exists():
            try:
                reversal = reverse_system_payment(
                    item.payment, reason=ReversalReason.DEBIT_RETURNED, reversed_on=returned_on,
                    note=_("Retour %(code)s, prélèvement %(id)s") % {
                        "code": reason, "id": item.end_to_end_id},
                    source=f"sepa-return:{item.end_to_end_id}", now=now)
            except BillingError as err:
                raise PaymentsError(err.code, err.message) from err
        item.status, item.reject_reason, item.returned_on = (ItemStatus.RETURNED, reason,
                                                             returned_on)
        item.save(update_fields=["status", "reject_reason", "returned_on"])
        audit.record(network=item.network, actor=actor, action="payments.debit.returned",
                     target=item, data={"invoice": item.invoice.number, "reason": reason,
                                        "amount": str(item.amount),
                                        "payment": item.payment_id,
                                        "reversal": reversal.pk if reversal else None})
    log.warning("SEPA debit %s of invoice %s returned (%s): its payment is reversed",
                item.end_to_end_id, item.invoice.number, reason)
    return item
