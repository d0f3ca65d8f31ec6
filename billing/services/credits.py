"""Credits for what changed after it was invoiced, issued by the month-end run before it
invoices (docs/billing.md, "Month-end run", "Credits after invoicing").

- A pay-as-you-go or overage `Consumption` row reversed (booking cancelled within the rules,
  or refused) after a run invoiced it: its amount is credited on the invoice that charged it,
  one credit line per invoice line, and the rows get `credit_line` (credited once).
- A subscription ended, paused or replaced after some of its days were invoiced
  (`Subscription.recheck_from`, set by the holdings services): the invoiced periods from
  that day on are recomputed with `billing.proration` as the subscription now stands; what was
  charged beyond (net of credits already issued for those periods) is credited on the
  invoices that charged it, `invoiced_through` moves back to the new end, and `recheck_from`
  is cleared.

One credit note per original invoice (`issue_credit_note`, never more than what remains of
it), each account (the original invoice's buyer: a member or an organisation) in its own
transaction; every mark is a conditional UPDATE, so a second run credits nothing.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from billing.models import (
    Consumption,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    PriceGroupMembership,
    Subscription,
)
from billing.proration import ONE_DAY, subscription_charges
from billing.services.invoices import LineInput, _line_amounts, issue_credit_note
from core.money import ZERO

LABEL_MAX = 255


def _d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass
class Credit:
    """What one credit note gives back on one original invoice."""

    invoice: object
    lines: list[LineInput] = field(default_factory=list)
    consumption_ids: dict[int, list[int]] = field(default_factory=dict)  # line index -> ids

    def add(self, line: LineInput) -> int:
        self.lines.append(line)
        return len(self.lines) - 1


@dataclass
class AccountCredits:
    key: str
    name: str
    kind: str
    credits: dict[int, Credit] = field(default_factory=dict)  # original invoice id -> Credit
    # Subscriptions to settle: id -> (recheck_from read, invoiced_through read, new through).
    subscriptions: dict[int, tuple] = field(default_factory=dict)

    def credit_for(self, invoice) -> Credit:
        if invoice.pk not in self.credits:
            self.credits[invoice.pk] = Credit(invoice)
        return self.credits[invoice.pk]


def _account_of(accounts: dict, invoice) -> AccountCredits:
    if invoice.buyer_organisation_id:
        key, name, kind = (f"o{invoice.buyer_organisation_id}",
                           invoice.buyer_organisation.name, "organisation")
    else:
        key, name, kind = (f"m{invoice.buyer_member_id}", invoice.buyer_member.display_name,
                           "member")
    if key not in accounts:
        accounts[key] = AccountCredits(key, name, kind)
    return accounts[key]


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[:LABEL_MAX - 1] + "…"


def _lines_query():
    return InvoiceLine.objects.select_related(
        "invoice__buyer_member__user", "invoice__buyer_organisation",
        "invoice__credited_invoice", "member", "site")


def collect_credits(network, *, discounts, pricer) -> list[AccountCredits]:
    accounts: dict[str, AccountCredits] = {}

    # Reversed after being invoiced, not yet credited.
    rows = defaultdict(list)
    for row in (Consumption.objects.filter(network=network, reversed_at__isnull=False,
                                           invoice_line__isnull=False,
                                           credit_line__isnull=True)
                .values("pk", "invoice_line_id", "amount", "day").order_by("day", "pk")):
        rows[row["invoice_line_id"]].append(row)
    if rows:
        lines = _lines_query().in_bulk(list(rows))
        for line_id in sorted(rows):
            line, items = lines[line_id], rows[line_id]
            days = sorted({r["day"] for r in items})
            label = _("Annulé après facturation (%(days)s) — %(label)s") % {
                "days": ", ".join(d.strftime("%d/%m") for d in days), "label": line.label}
            credit = _account_of(accounts, line.invoice).credit_for(line.invoice)
            index = credit.add(LineInput(
                _cut(label), sum((r["amount"] for r in items), ZERO), vat_rate=line.vat_rate,
                member=line.member, site=line.site, period_start=days[0],
                period_end=days[-1]))
            credit.consumption_ids[index] = [r["pk"] for r in items]

    # Subscriptions changed after some of their days were invoiced.
    subs = list(Subscription.objects.filter(network=network, recheck_from__isnull=False)
                .select_related("plan", "member__user", "home_site")
                .prefetch_related("pauses", "plan__tiers").order_by("pk"))
    if not subs:
        return list(accounts.values())
    groups = defaultdict(list)
    for g in PriceGroupMembership.objects.filter(
            member_id__in={s.member_id for s in subs}).select_related("price_group"):
        groups[g.member_id].append(g)
    charged = defaultdict(list)
    for line in _lines_query().filter(subscription__in=subs, invoice__status=InvoiceStatus.ISSUED,
                                      period_end__isnull=False).order_by("period_start", "pk"):
        charged[line.subscription_id].append(line)
    for sub in subs:
        _subscription_credits(sub, charged[sub.pk], accounts, groups=groups[sub.member_id],
                              discounts=discounts, pricer=pricer)
    return list(accounts.values())


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start <= b_end and b_start <= a_end


def _subscription_credits(sub, lines, accounts, *, groups, discounts, pricer) -> None:
    through = sub.invoiced_through
    new_through = through
    if through is not None and sub.ends_on is not None and sub.ends_on < through:
        new_through = sub.ends_on
    settle = (sub.recheck_from, through, new_through)
    invoiced = [ln for ln in lines if ln.invoice.kind == InvoiceKind.INVOICE
                and ln.period_end >= sub.recheck_from]
    if not invoiced:
        member = sub.member
        key = f"m{member.pk}"
        if key not in accounts:
            accounts[key] = AccountCredits(key, member.display_name, "member")
        accounts[key].subscriptions[sub.pk] = settle
        return
    credited = defaultdict(lambda: ZERO)  # invoice line id -> net already credited
    for note_line in (ln for ln in lines if ln.invoice.kind == InvoiceKind.CREDIT_NOTE):
        for ln in invoiced:
            if (note_line.invoice.credited_invoice_id == ln.invoice_id
                    and _overlaps(ln.period_start, ln.period_end, note_line.period_start,
                                  note_line.period_end)):
                credited[ln.pk] += note_line.net
                break
    # What those periods cost now (same proration as the run).
    start = min(ln.period_start for ln in invoiced)
    last = max(ln.period_end for ln in invoiced)
    recomputed = copy.copy(sub)
    recomputed.invoiced_through = start - ONE_DAY
    charges = subscription_charges(recomputed, through=last, pauses=list(sub.pauses.all()),
                                   groups=groups, pricer=pricer, discounts=discounts)
    charges = [c for c in charges if c.start <= last]
    by_charge = defaultdict(list)  # charge index (None: no longer due at all) -> lines
    for ln in invoiced:
        index = next((i for i, c in enumerate(charges)
                      if _overlaps(c.start, c.end, ln.period_start, ln.period_end)), None)
        by_charge[index].append(ln)
    account = None
    for index, group in by_charge.items():
        due = charges[index].amount if index is not None else ZERO
        over = sum((ln.net - credited[ln.pk] for ln in group), ZERO) - due
        for ln in sorted(group, key=lambda x: x.period_start, reverse=True):
            take = min(over, ln.net - credited[ln.pk])
            if take <= ZERO:
                continue
            over -= take
            account = _account_of(accounts, ln.invoice)
            label = _("Régularisation %(plan)s — du %(start)s au %(end)s : %(why)s") % {
                "plan": sub.plan.name, "start": _d(ln.period_start), "end": _d(ln.period_end),
                "why": _("jours non dus (fin, suspension ou changement d'abonnement)")}
            account.credit_for(ln.invoice).add(LineInput(
                _cut(label), take, vat_rate=ln.vat_rate, member=ln.member, site=ln.site,
                subscription=sub, period_start=ln.period_start, period_end=ln.period_end))
    if account is None:
        account = _account_of(accounts, invoiced[-1].invoice)
    account.subscriptions[sub.pk] = settle


class CreditChanged(Exception):
    """A row was credited, or a subscription changed, since it was read."""


def write_credits(network, account: AccountCredits, *, issue_date: dt.date, actor,
                  now) -> list:
    """Issue the account's credit notes and mark what they credit, in one transaction."""
    notes = []
    with transaction.atomic():
        for sub_id, (recheck, through, new_through) in account.subscriptions.items():
            if Subscription.objects.filter(pk=sub_id, recheck_from=recheck,
                                           invoiced_through=through).update(
                    recheck_from=None, invoiced_through=new_through) != 1:
                raise CreditChanged
        for credit in account.credits.values():
            if not credit.lines:
                continue
            original = credit.invoice
            # Not before the invoice it corrects, never in the future.
            day = min(max(issue_date, original.issue_date), now.astimezone(network.tz).date())
            note = issue_credit_note(
                original, lines=credit.lines, issue_date=day, actor=actor, now=now,
                reason=_("Annulations et changements enregistrés après la facture n° "
                         "%(number)s") % {"number": original.number})
            lines = sorted(note.created_lines, key=lambda line: line.position)
            for index, ids in credit.consumption_ids.items():
                if Consumption.objects.filter(pk__in=ids, credit_line__isnull=True,
                                              reversed_at__isnull=False).update(
                        credit_line_id=lines[index].pk) != len(ids):
                    raise CreditChanged
            notes.append(note)
    return notes


def totals(account: AccountCredits, *, franchise: bool) -> tuple[Decimal, Decimal, list]:
    net_total = vat_total = ZERO
    detail = []
    for credit in account.credits.values():
        for line in credit.lines:
            _rate, net, vat, _gross = _line_amounts(line, franchise=franchise)
            net_total += net
            vat_total += vat
            detail.append({"label": line.label, "net": str(-net),
                           "invoice": credit.invoice.number})
    return net_total, vat_total, detail
