"""The month-end invoicing run: one invoice per account (a member, or an organisation with an
active employer account) for what the month owes.

What is invoiced (docs/billing.md, "Month-end run"):
- subscription charges up to the month's last day, prorated (billing/proration.py), then
  `Subscription.invoiced_through` moves to the last day charged;
- pay-as-you-go and overage `Consumption` rows up to the month's last day, not reversed and
  not yet invoiced (their `invoice_line` is set), one line per person, site and source;
- passes (`PassPurchase`, from `valid_from`) and ticket books (`TicketWallet`, from
  `purchased_on`) up to the month's last day not yet invoiced (their `invoice` is set);
- quota use of the month beyond `included_per_month` (included only for subscribers of the
  quota's plan when it has one), net of what earlier runs of the month already invoiced;
- the membership fee when due (a `Membership` row records the period it covers).

Who pays: an item with `payer_organisation` naming an organisation with an active employer
account is the organisation's; otherwise an employee's item (member whose organisation has an
active employer account) is the organisation's when the account pays that kind of item
(`pays_subscriptions`; `pays_passes` for passes and books; `pays_bookings` for consumption and
quotas); everything else is the member's. The membership fee is always the member's own.

Idempotent: each item is marked as invoiced in the transaction that issues its invoice, and
is written only if still unmarked (a concurrent run or a cancellation in between makes that
account fail and roll back, never invoice twice). Each account has its own transaction: a
failure is recorded in the summary and the other accounts go on. Members are read in chunks,
and only one chunk's rows are in memory at a time.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing.errors import BillingError
from billing.models import (
    BillingProfile,
    BillingRun,
    BillingRunStatus,
    Consumption,
    ConsumptionSource,
    Discount,
    EmployerAccount,
    Membership,
    MembershipFee,
    PassPurchase,
    PriceGroupMembership,
    QuotaUsage,
    Subscription,
    TicketWallet,
    VatRegime,
)
from billing.pricing import membership_period
from billing.proration import ONE_DAY, Pricer, subscription_charges
from billing.services.credits import CreditChanged, collect_credits, write_credits
from billing.services.credits import totals as credit_totals
from billing.services.invoices import (
    LineInput,
    _line_amounts,
    draft_invoice,
    issue_new_draft,
)
from core import audit
from core.money import ZERO, money
from members.models import Member

log = logging.getLogger(__name__)
CHUNK_SIZE = 200
# Accounts written at once by background runs and the command on PostgreSQL (see
# docs/benchmarks.md, "Month-end invoicing"). SQLite has one writer at a time: threads there
# only wait for its lock, so it writes one account after the other.
WORKERS = 4


def default_workers() -> int:
    return 1 if connections["default"].vendor == "sqlite" else WORKERS
# A run still queued or running after this long lost its worker: it no longer blocks another.
STALE_AFTER = dt.timedelta(hours=2)


class RunRefused(Exception):
    pass


def _d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass
class Bill:
    """What one account owes for the run, before anything is written."""

    key: str
    name: str
    buyer_member: object = None
    buyer_organisation: object = None
    lines: list[LineInput] = field(default_factory=list)
    starts: list[dt.date] = field(default_factory=list)
    ends: list[dt.date] = field(default_factory=list)
    # What to mark once invoiced: line index -> consumption / quota usage ids.
    consumption_ids: dict[int, list[int]] = field(default_factory=dict)
    quota_ids: dict[int, list[int]] = field(default_factory=dict)
    memberships: list[tuple] = field(default_factory=list)  # (member, fee, start, end, index)
    subscriptions: dict[int, tuple] = field(default_factory=dict)  # id -> (old, new through)
    pass_ids: list[int] = field(default_factory=list)
    wallet_ids: list[int] = field(default_factory=list)

    def add(self, line: LineInput, start: dt.date, end: dt.date) -> int:
        self.lines.append(line)
        self.starts.append(start)
        self.ends.append(end)
        return len(self.lines) - 1

    @property
    def has_charge(self) -> bool:
        return any(money(line.quantity * line.unit_price) != ZERO for line in self.lines)

    @property
    def has_work(self) -> bool:
        return bool(self.lines or self.subscriptions)


@dataclass
class RunContext:
    network: object
    period_start: dt.date
    period_end: dt.date
    franchise: bool
    employers: dict[int, EmployerAccount]
    discounts: list
    fees: list
    profile: BillingProfile = None  # read once when the run starts
    pricer: Pricer = field(default_factory=Pricer)

    def payer_of(self, member, explicit_org_id, flag: str) -> int | None:
        """The organisation paying an item, or None when the member pays it."""
        if explicit_org_id and explicit_org_id in self.employers:
            return explicit_org_id
        account = self.employers.get(member.organisation_id)
        if account is not None and getattr(account, flag):
            return member.organisation_id
        return None


# --- collecting ------------------------------------------------------------------------

def _prefix(member, org_id) -> str:
    return f"{member.display_name} — " if org_id else ""


def _collect(ctx: RunContext, *, member_q: Q, quota_q: Q, org_id: int | None,
             bills: dict, activity: set | None = None) -> None:
    """Add to `bills` (key -> Bill) the lines of the items in scope paid by `org_id` (None:
    by their member). `activity` collects the members who have anything this run."""
    ps, pe = ctx.period_start, ctx.period_end

    def bill_for(member) -> Bill:
        if org_id is not None:
            return bills[f"o{org_id}"]
        key = f"m{member.pk}"
        if key not in bills:
            bills[key] = Bill(key, member.display_name, buyer_member=member)
        return bills[key]

    # Subscriptions live in the month (for activity and quotas) or with days left to charge.
    subs = list(Subscription.objects.filter(member_q, network=ctx.network, starts_on__lte=pe)
                .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=ps)
                        | Q(invoiced_through__isnull=True) | Q(invoiced_through__lt=F("ends_on")))
                .select_related("plan", "member__user", "home_site")
                .prefetch_related("pauses", "plan__tiers").order_by("member_id", "starts_on"))
    member_ids = {s.member_id for s in subs}
    groups = defaultdict(list)
    plans_in_month = defaultdict(set)
    for g in PriceGroupMembership.objects.filter(member_id__in=member_ids).select_related(
            "price_group"):
        groups[g.member_id].append(g)
    for sub in subs:
        if sub.ends_on is None or sub.ends_on >= ps:
            plans_in_month[sub.member_id].add(sub.plan_id)
            if activity is not None:
                activity.add(sub.member_id)
        if ctx.payer_of(sub.member, sub.payer_organisation_id, "pays_subscriptions") != org_id:
            continue
        charges = subscription_charges(sub, through=pe, pauses=list(sub.pauses.all()),
                                       groups=groups[sub.member_id], pricer=ctx.pricer,
                                       discounts=ctx.discounts)
        if not charges:
            continue
        bill = bill_for(sub.member)
        for charge in charges:
            if charge.billable_days:
                bill.add(LineInput(_prefix(sub.member, org_id) + charge.label, charge.amount,
                                   vat_rate=sub.plan.vat_rate, member=sub.member,
                                   site=sub.home_site, subscription=sub,
                                   period_start=charge.start, period_end=charge.end),
                         charge.start, charge.end)
        bill.subscriptions[sub.pk] = (sub.invoiced_through, charges[-1].end)

    # Pay-as-you-go and overage: grouped per person, site, source and VAT rate in SQL.
    rows = (Consumption.objects.filter(
        member_q, network=ctx.network, source__in=[ConsumptionSource.PAYG,
                                                   ConsumptionSource.OVERAGE],
        day__lte=pe, invoice_line__isnull=True, reversed_at__isnull=True)
        .values("member_id", "site_id", "source", "vat_rate", "payer_organisation_id", "pk",
                "amount", "day", "half_days", "hours").order_by("member_id", "site_id", "day"))
    groups_c = defaultdict(list)
    for row in rows.iterator(chunk_size=2000):
        groups_c[(row["member_id"], row["site_id"], row["source"], row["vat_rate"],
                  row["payer_organisation_id"])].append(row)
    if groups_c:
        members = Member.objects.select_related("user").in_bulk(
            {k[0] for k in groups_c})
        from places.models import Site
        sites = Site.objects.in_bulk({k[1] for k in groups_c})
        for (member_id, site_id, source, vat_rate, explicit), items in groups_c.items():
            member = members[member_id]
            if activity is not None:
                activity.add(member_id)
            if ctx.payer_of(member, explicit, "pays_bookings") != org_id:
                continue
            total = sum((r["amount"] for r in items), ZERO)
            days = sorted({r["day"] for r in items})
            halves = sum(r["half_days"] for r in items)
            hours = sum(r["hours"] for r in items)
            detail = [ngettext("%(n)s demi-journée", "%(n)s demi-journées", halves)
                      % {"n": halves}] if halves else []
            if hours:
                detail.append(ngettext("%(n)s heure", "%(n)s heures", hours) % {"n": hours})
            kind = (_("Réservations à l'usage") if source == ConsumptionSource.PAYG
                    else _("Dépassement d'abonnement"))
            count = ngettext("%(n)s jour", "%(n)s jours", len(days)) % {"n": len(days)}
            label = f"{kind} — {sites[site_id].name} — {count}"
            if detail:
                label += f" ({', '.join(detail)})"
            bill = bill_for(member)
            index = bill.add(LineInput(_prefix(member, org_id) + label, total,
                                       vat_rate=vat_rate, member=member, site=sites[site_id]),
                             days[0], days[-1])
            bill.consumption_ids[index] = [r["pk"] for r in items]

    # Passes and ticket books bought and not yet invoiced.
    for p in (PassPurchase.objects.filter(member_q, network=ctx.network, valid_from__lte=pe,
                                          invoice__isnull=True)
              .select_related("pass_product", "member__user", "site").order_by("valid_from")):
        if activity is not None:
            activity.add(p.member_id)
        if ctx.payer_of(p.member, p.payer_organisation_id, "pays_passes") != org_id:
            continue
        bill = bill_for(p.member)
        label = _("Pass %(name)s — du %(start)s au %(end)s") % {
            "name": p.pass_product.name, "start": _d(p.valid_from), "end": _d(p.valid_until)}
        bill.add(LineInput(_prefix(p.member, org_id) + label, p.price,
                           vat_rate=p.pass_product.vat_rate, member=p.member, site=p.site),
                 p.valid_from, min(p.valid_until, pe))
        bill.pass_ids.append(p.pk)
    for w in (TicketWallet.objects.filter(member_q, network=ctx.network, purchased_on__lte=pe,
                                          invoice__isnull=True)
              .select_related("book", "member__user").order_by("purchased_on")):
        if activity is not None:
            activity.add(w.member_id)
        if ctx.payer_of(w.member, w.payer_organisation_id, "pays_passes") != org_id:
            continue
        bill = bill_for(w.member)
        label = _("%(name)s (%(n)s tickets) — acheté le %(day)s, valable jusqu'au %(end)s") % {
            "name": w.book.name, "n": w.tickets, "day": _d(w.purchased_on),
            "end": _d(w.valid_until)}
        bill.add(LineInput(_prefix(w.member, org_id) + label, w.book.price,
                           vat_rate=w.book.vat_rate, member=w.member), w.purchased_on,
                 w.purchased_on)
        bill.wallet_ids.append(w.pk)

    # Quotas (printed pages…): the month's use beyond what is included, net of earlier runs.
    usage = defaultdict(lambda: [0, 0, []])  # (member, quota) -> [total, invoiced, new ids]
    for u in (QuotaUsage.objects.filter(quota_q, network=ctx.network, used_on__gte=ps,
                                        used_on__lte=pe)
              .values("pk", "member_id", "quota_id", "quantity", "invoice_line_id")
              .iterator(chunk_size=2000)):
        entry = usage[(u["member_id"], u["quota_id"])]
        entry[0] += u["quantity"]
        if u["invoice_line_id"]:
            entry[1] += u["quantity"]
        else:
            entry[2].append(u["pk"])
    if usage:
        from billing.models import Quota
        quotas = Quota.objects.in_bulk({k[1] for k in usage})
        members = Member.objects.select_related("user").in_bulk({k[0] for k in usage})
        for (member_id, quota_id), (total, invoiced, new_ids) in usage.items():
            member, quota = members[member_id], quotas[quota_id]
            if not new_ids:
                continue
            if ctx.payer_of(member, None, "pays_bookings") != org_id:
                continue
            included = (quota.included_per_month if quota.plan_id is None
                        or quota.plan_id in plans_in_month[member_id] else 0)
            amount = (money(max(0, total - included) * quota.overage_price)
                      - money(max(0, invoiced - included) * quota.overage_price))
            if amount <= 0:
                continue
            if activity is not None:
                activity.add(member_id)
            label = _("%(quota)s — %(total)s %(unit)s dont %(included)s inclus : "
                      "%(over)s au-delà") % {
                "quota": quota.name, "total": total, "unit": quota.unit_label,
                "included": included,
                "over": max(0, total - included) - max(0, invoiced - included)}
            bill = bill_for(member)
            index = bill.add(LineInput(_prefix(member, org_id) + label, amount,
                                       vat_rate=quota.vat_rate, member=member), ps, pe)
            bill.quota_ids[index] = new_ids


def _membership_fees(ctx: RunContext, members: list, activity: set, bills: dict) -> None:
    """The adhésion of active members who have no membership covering the month's end:
    a new period from the day after the last one (or the month's first day), at the lowest
    fee they qualify for (public, or of a price group they belong to); not prorated."""
    if not ctx.fees:
        return
    ps, pe = ctx.period_start, ctx.period_end
    candidates = [m for m in members if m.pk in activity]
    if not candidates:
        return
    ids = [m.pk for m in candidates]
    last_end = dict(Membership.objects.filter(member_id__in=ids).values("member_id")
                    .annotate(end=Max("ends_on")).values_list("member_id", "end"))
    groups = defaultdict(set)
    for g in PriceGroupMembership.objects.filter(member_id__in=ids):
        if (g.valid_from is None or g.valid_from <= pe) and (g.valid_until is None
                                                            or g.valid_until >= ps):
            groups[g.member_id].add(g.price_group_id)
    for member in candidates:
        end = last_end.get(member.pk)
        if end is not None and end >= pe:
            continue
        start = end + ONE_DAY if end is not None and end >= ps else ps
        fees = [f for f in ctx.fees
                if f.price_group_id is None or f.price_group_id in groups[member.pk]]
        if not fees:
            continue
        fee = min(fees, key=lambda f: f.price)
        start, until = membership_period(fee, start=start)
        key = f"m{member.pk}"
        if key not in bills:
            bills[key] = Bill(key, member.display_name, buyer_member=member)
        bill = bills[key]
        label = _("%(name)s — du %(start)s au %(end)s") % {"name": fee.name,
                                                          "start": _d(start), "end": _d(until)}
        index = bill.add(LineInput(label, fee.price, vat_rate=fee.vat_rate, member=member),
                         start, until)
        bill.memberships.append((member, fee, start, until, index))


# --- writing ---------------------------------------------------------------------------

class Changed(Exception):
    """An item was invoiced, reversed or changed since it was read."""


def _write(ctx: RunContext, bill: Bill, *, issue_date: dt.date, actor, now):
    """Issue the account's invoice and mark what it charged, in one transaction."""
    invoice = None
    with transaction.atomic():
        for sub_id, (old, new) in bill.subscriptions.items():
            if Subscription.objects.filter(pk=sub_id, invoiced_through=old).update(
                    invoiced_through=new) != 1:
                raise Changed
        line_ids = []
        if bill.has_charge:
            invoice = draft_invoice(
                ctx.network, lines=bill.lines, service_start=min(bill.starts + [ctx.period_start]),
                service_end=max(bill.ends + [ctx.period_end]), buyer_member=bill.buyer_member,
                buyer_organisation=bill.buyer_organisation, actor=actor,
                franchise=ctx.franchise)
            line_ids = [line.pk for line in invoice.created_lines]
        for index, ids in bill.consumption_ids.items():
            if not line_ids:
                continue  # nothing to charge: left for a later run
            done = Consumption.objects.filter(pk__in=ids, invoice_line__isnull=True,
                                              reversed_at__isnull=True).update(
                invoice_line_id=line_ids[index])
            if done != len(ids):
                raise Changed
        for index, ids in bill.quota_ids.items():
            if line_ids and QuotaUsage.objects.filter(
                    pk__in=ids, invoice_line__isnull=True).update(
                    invoice_line_id=line_ids[index]) != len(ids):
                raise Changed
        for model, ids in ((PassPurchase, bill.pass_ids), (TicketWallet, bill.wallet_ids)):
            if ids and invoice is not None and model.objects.filter(
                    pk__in=ids, invoice__isnull=True).update(invoice=invoice) != len(ids):
                raise Changed
        for member, fee, start, end, index in bill.memberships:
            Membership.objects.create(network=ctx.network, member=member, fee=fee,
                                      starts_on=start, ends_on=end,
                                      invoice_line_id=line_ids[index] if line_ids else None)
        if invoice is not None:
            invoice = issue_new_draft(invoice, network=ctx.network, profile=ctx.profile,
                                      issue_date=issue_date, actor=actor, now=now)
    return invoice


def _write_reporting(ctx: RunContext, bill: Bill, **kw):
    """(invoice or None, error message or None): a failure stays with its account."""
    try:
        return _write(ctx, bill, **kw), None
    except Changed:
        return None, _("Des éléments ont changé pendant la facturation (annulation ou autre "
                       "facturation) : relancez la facturation du mois.")
    except BillingError as exc:
        return None, exc.message
    except Exception:  # one account's failure must not stop the others
        log.exception("month-end: account %s of %s failed", bill.key, ctx.network.slug)
        return None, _("Erreur interne pendant la facturation.")


def _close_worker_connections(pool: ThreadPoolExecutor, workers: int) -> None:
    """Each worker thread closes its own database connection (one task per thread: they
    wait for each other at the barrier)."""
    barrier = threading.Barrier(workers)

    def close():
        barrier.wait(timeout=60)
        connections.close_all()

    for future in [pool.submit(close) for _n in range(workers)]:
        future.result()
    pool.shutdown()


def _totals(ctx: RunContext, bill: Bill) -> tuple[Decimal, Decimal, list]:
    net_total = vat_total = ZERO
    lines = []
    for line in bill.lines:
        _rate, net, vat, _gross = _line_amounts(line, franchise=ctx.franchise)
        net_total += net
        vat_total += vat
        lines.append({"label": line.label, "net": str(net)})
    return net_total, vat_total, lines


# --- the run ---------------------------------------------------------------------------

def _member_chunks(network, size: int):
    last = 0
    while True:
        ids = list(Member.objects.filter(network=network, pk__gt=last).order_by("pk")
                   .values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def run_month_end(network, period_start: dt.date, period_end: dt.date, *, preview: bool,
                  actor=None, now=None, progress=None, issue_date: dt.date | None = None,
                  chunk_size: int = CHUNK_SIZE, workers: int = 1) -> dict:
    """Invoice (or, with `preview`, only compute) the month for every account of the network.
    Returns the summary: accounts with their lines (preview) or invoice numbers, totals,
    errors. `progress(processed, total)` is called as accounts are done. `workers` > 1 writes
    that many accounts at once (threads, one connection each; numbering and the ledger stay
    serialised by their locks)."""
    if period_end < period_start:
        raise BillingError("period", _("La fin de la période précède son début."))
    now = now or timezone.now()
    today = now.astimezone(network.tz).date()
    issue_date = issue_date or min(period_end, today)
    employers = {a.organisation_id: a for a in EmployerAccount.objects.filter(
        network=network, is_active=True).select_related("organisation")}
    profile = BillingProfile.of(network)
    ctx = RunContext(
        network, period_start, period_end,
        franchise=profile.vat_regime == VatRegime.FRANCHISE, profile=profile,
        employers=employers, discounts=list(Discount.objects.filter(network=network)),
        fees=list(MembershipFee.objects.filter(network=network, is_active=True)))
    total = Member.objects.filter(network=network).count() + len(employers)
    summary = {"period_start": str(period_start), "period_end": str(period_end),
               "preview": preview, "accounts": [], "errors": [], "invoices": 0,
               "total_net": "0.00", "total_vat": "0.00", "total_gross": "0.00",
               "credits": [], "credit_notes": 0, "credited_net": "0.00",
               "credited_gross": "0.00"}
    totals = [ZERO, ZERO]
    processed = 0
    if progress:
        progress(0, total)

    def prepare(bill: Bill):
        net, vat, lines = _totals(ctx, bill)
        entry = {"account": bill.name, "kind": "organisation" if bill.buyer_organisation
                 else "member", "net": str(net), "vat": str(vat), "gross": str(net + vat),
                 "lines": len(bill.lines)}
        if preview:
            entry["detail"] = lines
        return bill, entry, net, vat

    def finish(prepared, result):
        bill, entry, net, vat = prepared
        if not preview:
            invoice, error = result
            if error is not None:
                summary["errors"].append({"account": bill.name, "error": error})
                return
            if invoice is None:
                return
            entry["number"] = invoice.number
        if bill.has_charge:
            totals[0] += net
            totals[1] += vat
            summary["accounts"].append(entry)
            summary["invoices"] += 1

    def settle(bills: list[Bill]):
        """Write (or only total, for a preview) a chunk's bills; with workers, several
        accounts at once, each in its own transaction on its own connection."""
        prepared = [prepare(bill) for bill in bills if bill.has_work]
        write = {"issue_date": issue_date, "actor": actor, "now": now}
        if preview:
            results = [None] * len(prepared)
        elif pool is not None:
            results = [f.result() for f in [pool.submit(_write_reporting, ctx, p[0], **write)
                                            for p in prepared]]
        else:
            results = [_write_reporting(ctx, p[0], **write) for p in prepared]
        for p, result in zip(prepared, results):
            finish(p, result)

    _run_credits(ctx, summary, preview=preview, issue_date=issue_date, actor=actor, now=now)

    if connections["default"].in_atomic_block:
        workers = 1  # other connections could not see the caller's uncommitted rows
    pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 and not preview else None
    try:
        for ids in _member_chunks(network, chunk_size):
            members = list(Member.objects.filter(pk__in=ids).select_related("user")
                           .order_by("pk"))
            bills: dict[str, Bill] = {}
            activity: set[int] = set()
            _collect(ctx, member_q=Q(member_id__in=ids), quota_q=Q(member_id__in=ids),
                     org_id=None, bills=bills, activity=activity)
            _membership_fees(ctx, members, activity, bills)
            settle([bills[f"m{m.pk}"] for m in members if f"m{m.pk}" in bills])
            processed += len(ids)
            if progress:
                progress(processed, total)

        for org_id, account in employers.items():
            org = account.organisation
            bills = {f"o{org_id}": Bill(f"o{org_id}", org.name, buyer_organisation=org)}
            _collect(ctx, member_q=Q(member__organisation_id=org_id)
                     | Q(payer_organisation_id=org_id),
                     quota_q=Q(member__organisation_id=org_id), org_id=org_id, bills=bills)
            bill = bills[f"o{org_id}"]
            order = sorted(range(len(bill.lines)), key=lambda i: (
                getattr(bill.lines[i].member, "display_name", ""), bill.starts[i]))
            _reorder(bill, order)
            settle([bill])
            processed += 1
            if progress:
                progress(processed, total)
    finally:
        if pool is not None:
            _close_worker_connections(pool, workers)

    summary["total_net"], summary["total_vat"] = str(totals[0]), str(totals[1])
    summary["total_gross"] = str(totals[0] + totals[1])
    return summary


def _run_credits(ctx: RunContext, summary: dict, *, preview: bool, issue_date, actor,
                 now) -> None:
    """Credit notes for rows reversed and subscriptions changed after they were invoiced
    (billing/services/credits.py), each account in its own transaction, before invoicing."""
    credited = [ZERO, ZERO]
    for account in collect_credits(ctx.network, discounts=ctx.discounts, pricer=ctx.pricer):
        net, vat, detail = credit_totals(account, franchise=ctx.franchise)
        entry = {"account": account.name, "kind": account.kind, "net": str(-net),
                 "vat": str(-vat), "gross": str(-(net + vat)), "lines": len(detail),
                 "credited": sorted({c.invoice.number for c in account.credits.values()
                                     if c.lines})}
        if preview:
            entry["detail"] = detail
        else:
            try:
                notes = write_credits(ctx.network, account, issue_date=issue_date,
                                      actor=actor, now=now)
            except CreditChanged:
                summary["errors"].append({"account": account.name, "error": _(
                    "Des éléments ont changé pendant le calcul des avoirs : relancez la "
                    "facturation du mois.")})
                continue
            except BillingError as exc:
                summary["errors"].append({"account": account.name, "error": exc.message})
                continue
            except Exception:  # one account's failure must not stop the others
                log.exception("month-end credits: account %s of %s failed", account.key,
                              ctx.network.slug)
                summary["errors"].append({"account": account.name,
                                          "error": _("Erreur interne pendant les avoirs.")})
                continue
            entry["numbers"] = [note.number for note in notes]
            summary["credit_notes"] += len(notes)
        if detail:
            credited[0] += net
            credited[1] += net + vat
            summary["credits"].append(entry)
    summary["credited_net"], summary["credited_gross"] = str(credited[0]), str(credited[1])


def _reorder(bill: Bill, order: list[int]) -> None:
    """Employer invoices list their lines per employee (then date)."""
    new_index = {old: new for new, old in enumerate(order)}
    bill.lines = [bill.lines[i] for i in order]
    bill.starts = [bill.starts[i] for i in order]
    bill.ends = [bill.ends[i] for i in order]
    bill.consumption_ids = {new_index[i]: v for i, v in bill.consumption_ids.items()}
    bill.quota_ids = {new_index[i]: v for i, v in bill.quota_ids.items()}


# --- background runs -------------------------------------------------------------------

def month_bounds_of(month: dt.date) -> tuple[dt.date, dt.date]:
    from billing.proration import month_bounds
    return month_bounds(month)


def start_billing_run(network, *, month: dt.date, preview: bool, actor, now) -> BillingRun:
    """Record a run (or preview) of a month and execute it in the background; one active run
    per network, so a double click does not invoice the same month twice at once."""
    from billing.monthend_tasks import execute_billing_run_task
    from places.models import Network

    start, end = month_bounds_of(month)
    if start > now.astimezone(network.tz).date():
        raise RunRefused(_("On ne peut pas facturer un mois qui n'a pas commencé."))
    with transaction.atomic():
        Network.objects.select_for_update().filter(pk=network.pk).first()
        if BillingRun.objects.filter(
                network=network, status__in=[BillingRunStatus.QUEUED, BillingRunStatus.RUNNING],
                created_at__gte=now - STALE_AFTER).exists():
            raise RunRefused(_("Une facturation est déjà en cours pour ce réseau : attendez "
                               "qu'elle se termine."))
        run = BillingRun.objects.create(network=network, period_start=start, period_end=end,
                                        preview=preview, created_by=actor)
        audit.record(network=network, actor=actor,
                     action="billing.month_end_preview" if preview else "billing.month_end_run",
                     target=run, data={"month": start.strftime("%Y-%m")})
        transaction.on_commit(lambda: execute_billing_run_task(run.pk))
    return run


def execute_billing_run(run_id: int, *, now=None) -> BillingRun | None:
    """Execute a queued run, saving progress as it goes; failures are stored, not raised."""
    with transaction.atomic():
        run = (BillingRun.objects.select_for_update(of=("self",))
               .select_related("network", "created_by")
               .filter(pk=run_id, status=BillingRunStatus.QUEUED).first())
        if run is None:
            return None
        run.status, run.started_at = BillingRunStatus.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at"])

    def progress(processed: int, total: int):
        BillingRun.objects.filter(pk=run.pk).update(processed_accounts=processed,
                                                    total_accounts=total)

    try:
        summary = run_month_end(run.network, run.period_start, run.period_end,
                                preview=run.preview, actor=run.created_by, now=now,
                                progress=progress, workers=default_workers())
    except BillingError as exc:
        run.status, run.error = BillingRunStatus.FAILED, exc.message
    except Exception:
        log.exception("billing run %s failed", run.pk)
        run.status, run.error = BillingRunStatus.FAILED, _("La facturation a échoué "
                                                            "(erreur interne).")
    else:
        run.status, run.summary = BillingRunStatus.DONE, summary
        run.invoices_count = summary["invoices"]
        run.total_net = Decimal(summary["total_net"])
    run.refresh_from_db(fields=["processed_accounts", "total_accounts"])
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "summary", "invoices_count", "total_net", "error",
                            "finished_at"])
    return run

