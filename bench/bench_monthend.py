"""Month-end invoicing benchmark (issue 3; figures recorded in docs/benchmarks.md).

    .venv/bin/python bench/bench_monthend.py --db sqlite|postgres [--members 2000]
        [--tracemalloc] [--quick]

Builds a fresh database (SQLite file under $MAILLAGE_VAR_DIR/bench/, or the PostgreSQL database
`bench_monthend`) with one network of 3 sites and N members holding a mixed catalogue for
October 2026: monthly plans of 4, 8 and 12 days a month and unlimited (with commitment tiers),
a yearly plan, starts mid-month, ends, pauses across the month's end, changes of plan, a free
period for a price group, ticket books, day and week passes, pay-as-you-go and overage
consumption (one booking each), printed-page quotas, a membership fee, and employer accounts
paying for their employees. Then runs the real month-end run (issuing every invoice, each
appended to the ledger; PDF rendering is queued to a task file, as in production, not done
inline) and prints wall time, invoices/s, queries, peak memory, then checks the numbering is
gapless, the ledger verifies and a second run invoices nothing.

`--tracemalloc` traces Python allocations during the run (slower: use it for the memory
figure, not the time). `--quick`: 200 members, a smoke run (tests).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def parse_args(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--members", type=int, default=2000)
    p.add_argument("--pg-db", default="bench_monthend")
    p.add_argument("--tracemalloc", action="store_true")
    p.add_argument("--workers", type=int, default=1,
                   help="accounts written at once (run_month_end(workers=…))")
    p.add_argument("--no-render-queue", action="store_true",
                   help="do not enqueue the PDF rendering of each invoice (to measure it)")
    p.add_argument("--quick", action="store_true", help="200 members: a smoke run (tests)")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    if args.quick:
        args.members = 200
    return args


def setup_django(args) -> None:
    var_dir = Path(os.environ.get("MAILLAGE_VAR_DIR", ROOT / "var"))
    (var_dir / "bench").mkdir(parents=True, exist_ok=True)
    tasks = var_dir / "bench" / "bench-monthend-tasks.sqlite3"
    tasks.unlink(missing_ok=True)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "maillage.settings", "MAILLAGE_INSECURE_DEV_KEY": "1",
        "TASKS_URL": f"sqlite:///{tasks}",  # rendering is queued, as in production
        "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.locmem.EmailBackend"})
    os.environ.pop("DEBUG", None)
    if args.db == "sqlite":
        path = var_dir / "bench" / "bench-monthend.sqlite3"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{args.pg_db}"')
        url = f"postgres://postgres@127.0.0.1:5432/{args.pg_db}"
    os.environ["DATABASE_URL"] = url
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    if args.no_render_queue:
        from django.conf import settings

        settings.BILLING_RENDER_DOCUMENTS = False


def build(args, rng):  # noqa: PLR0915 - a long but flat dataset recipe
    import datetime as dt
    import zoneinfo
    from decimal import Decimal as D

    from billing.models import (
        Allowance,
        Consumption,
        Discount,
        EmployerAccount,
        MembershipFee,
        Pass,
        PassPurchase,
        Plan,
        PlanPriceTier,
        PriceGroup,
        PriceGroupMembership,
        Quota,
        QuotaUsage,
        Subscription,
        SubscriptionPause,
        TicketBook,
        TicketWallet,
    )
    from bookings.models import Booking
    from members.models import Member, Organisation, User
    from places.models import Network, Resource, Site

    paris = zoneinfo.ZoneInfo("Europe/Paris")
    network = Network.objects.create(
        slug="bench", name="Bench", legal_name="Association Bench", siren="123456789",
        siret="12345678900018", address="1 place de la Mairie", postcode="38880",
        city="Autrans")
    sites = [Site.objects.create(network=network, slug=f"lieu-{i}", name=f"Lieu {i}",
                                 address="1 place", postcode="38880", city="Autrans",
                                 insee_code="38021") for i in range(3)]
    desks = [Resource.objects.create(network=network, site=s, kind="open_space",
                                     name=f"Open space {s.name}", seats=50) for s in sites]
    n = network
    plans = [Plan.objects.create(network=n, name=name, price=D(price), allowance=allowance,
                                 allowance_days=days, coverage="network")
             for name, price, allowance, days in [
                 ("4 jours par mois", "60.00", Allowance.DAYS_PER_MONTH, 4),
                 ("8 jours par mois", "100.00", Allowance.DAYS_PER_MONTH, 8),
                 ("12 jours par mois", "140.00", Allowance.DAYS_PER_MONTH, 12),
                 ("Illimité", "200.00", Allowance.UNLIMITED, None)]]
    for plan in plans:
        PlanPriceTier.objects.create(network=n, plan=plan, basis="commitment", minimum=12,
                                     price=plan.price * D("0.9"))
    yearly = Plan.objects.create(network=n, name="Annuel illimité", price=D("1800.00"),
                                 period="year", allowance=Allowance.UNLIMITED)
    trained = PriceGroup.objects.create(network=n, kind="other", name="Formés au télétravail")
    Discount.objects.create(network=n, name="2 ans offerts", price_group=trained,
                            free_months=24)
    book = TicketBook.objects.create(network=n, name="Carnet 10", tickets=10,
                                     validity_months=6, price=D("90.00"))
    day_pass = Pass.objects.create(network=n, name="Journée", duration="day", price=D("20.00"))
    week_pass = Pass.objects.create(network=n, name="Semaine", duration="week",
                                    price=D("80.00"))
    quota = Quota.objects.create(network=n, name="Impressions", unit_label="pages",
                                 included_per_month=100, overage_price=D("0.05"))
    MembershipFee.objects.create(network=n, name="Adhésion", price=D("20.00"))
    orgs = [Organisation.objects.create(network=n, name=f"Entreprise {i}", siret="98765432100011",
                                        address="ZA") for i in range(8)]
    for i, org in enumerate(orgs):
        EmployerAccount.objects.create(network=n, organisation=org, pays_passes=i % 2 == 0)

    users = User.objects.bulk_create([User(email=f"m{i}@bench.test", password="!",
                                           first_name="Membre", last_name=str(i))
                                      for i in range(args.members)], batch_size=1000)
    members = Member.objects.bulk_create(
        [Member(network=n, user=u, organisation=orgs[i % len(orgs)] if i % 10 == 0 else None)
         for i, u in enumerate(users)], batch_size=1000)

    start, end = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
    before = dt.date(2026, 9, 30)
    subs, pauses, groups, wallets, passes, quota_rows = [], [], [], [], [], []
    bookings, consumption = [], []
    counts = dict.fromkeys(["monthly", "mid_month", "ended", "paused", "changed", "yearly",
                            "free", "wallets", "passes", "payg_rows", "overage_rows",
                            "quota", "employees"], 0)
    for i, m in enumerate(members):
        r = rng.random()
        counts["employees"] += m.organisation_id is not None
        if r < 0.60:
            plan = plans[i % len(plans)]
            kind = rng.random()
            if kind < 0.10:
                subs.append(Subscription(network=n, member=m, plan=plan,
                                         starts_on=dt.date(2026, 10, rng.randint(2, 28))))
                counts["mid_month"] += 1
            elif kind < 0.15:
                subs.append(Subscription(network=n, member=m, plan=plan,
                                         starts_on=dt.date(2026, 3, 1),
                                         ends_on=dt.date(2026, 10, rng.randint(1, 30)),
                                         invoiced_through=before))
                counts["ended"] += 1
            elif kind < 0.20:
                sub = Subscription(network=n, member=m, plan=plan, starts_on=dt.date(2026, 1, 1),
                                   invoiced_through=before)
                subs.append(sub)
                pauses.append((sub, dt.date(2026, 10, 20), dt.date(2026, 11, 10)))
                counts["paused"] += 1
            elif kind < 0.25:
                day = rng.randint(5, 25)
                old = Subscription(network=n, member=m, plan=plan, starts_on=dt.date(2026, 1, 1),
                                   ends_on=dt.date(2026, 10, day - 1), invoiced_through=before)
                new = Subscription(network=n, member=m, plan=plans[(i + 1) % len(plans)],
                                   starts_on=dt.date(2026, 10, day))
                subs += [old, new]
                counts["changed"] += 1
            elif kind < 0.30:
                subs.append(Subscription(network=n, member=m, plan=yearly,
                                         starts_on=dt.date(2026, 10, rng.randint(1, 28))))
                counts["yearly"] += 1
            else:
                subs.append(Subscription(network=n, member=m, plan=plan,
                                         starts_on=dt.date(2025, rng.randint(1, 12), 1),
                                         commitment_months=12 if kind > 0.9 else 0,
                                         invoiced_through=before))
                counts["monthly"] += 1
            if kind > 0.95:
                groups.append(PriceGroupMembership(network=n, member=m, price_group=trained))
                counts["free"] += 1
        elif r < 0.75:
            wallets.append(TicketWallet(network=n, member=m, book=book, tickets=10,
                                        purchased_on=dt.date(2026, 10, rng.randint(1, 31)),
                                        valid_until=dt.date(2027, 3, 31)))
            counts["wallets"] += 1
        elif r < 0.85:
            product = day_pass if rng.random() < 0.7 else week_pass
            first = dt.date(2026, 10, rng.randint(1, 24))
            passes.append(PassPurchase(network=n, member=m, pass_product=product,
                                       valid_from=first, price=product.price,
                                       valid_until=first + dt.timedelta(
                                           days=0 if product is day_pass else 6)))
            counts["passes"] += 1
        # Pay-as-you-go for a third; overage for some subscribers.
        if r >= 0.60 and rng.random() < 0.8 or r < 0.60 and rng.random() < 0.2:
            source = "payg" if r >= 0.60 else "overage"
            for _ in range(rng.randint(1, 6)):
                day = dt.date(2026, 10, rng.randint(1, 31))
                site_i = rng.randrange(len(sites))
                b = Booking(network=n, site=sites[site_i], resource=desks[site_i], member=m,
                            start=dt.datetime(day.year, day.month, day.day, 9, tzinfo=paris),
                            end=dt.datetime(day.year, day.month, day.day, 18, tzinfo=paris),
                            is_exclusive=False, source="web")
                bookings.append(b)
                consumption.append((b, Consumption(
                    network=n, member=m, site=sites[site_i], day=day, source=source,
                    half_days=2, amount=D("20.00") if source == "payg" else D("15.00"))))
                counts["payg_rows" if source == "payg" else "overage_rows"] += 1
        if rng.random() < 0.10:
            quota_rows.append(QuotaUsage(network=n, member=m, quota=quota,
                                         used_on=dt.date(2026, 10, rng.randint(1, 31)),
                                         quantity=rng.randint(20, 400)))
            counts["quota"] += 1
    Subscription.objects.bulk_create(subs, batch_size=1000)
    SubscriptionPause.objects.bulk_create([SubscriptionPause(network=n, subscription=s,
                                                             starts_on=a, ends_on=b)
                                           for s, a, b in pauses])
    PriceGroupMembership.objects.bulk_create(groups)
    TicketWallet.objects.bulk_create(wallets, batch_size=1000)
    PassPurchase.objects.bulk_create(passes, batch_size=1000)
    Booking.objects.bulk_create(bookings, batch_size=1000)
    for b, c in consumption:
        c.booking = b
    Consumption.objects.bulk_create([c for _b, c in consumption], batch_size=1000)
    QuotaUsage.objects.bulk_create(quota_rows, batch_size=1000)
    return network, (start, end), counts


def main(argv=None):
    args = parse_args(argv)
    setup_django(args)
    import datetime as dt
    import zoneinfo

    from django.db import connection

    from billing.models import Invoice
    from billing.services.ledger import verify_ledger
    from billing.services.monthend import run_month_end

    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    network, (start, end), counts = build(args, rng)
    load = os.getloadavg()[0]
    print(f"dataset ({args.db}, load average {load:.1f} on {os.cpu_count()} CPUs): "
          f"{args.members} members, " + ", ".join(
        f"{k} {v}" for k, v in counts.items()) + f"; built in {time.perf_counter() - t0:.1f} s")

    now = dt.datetime(2026, 11, 2, 8, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if args.tracemalloc:
        tracemalloc.start()
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(1)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        cpu0, t0 = time.process_time(), time.perf_counter()
        summary = run_month_end(network, start, end, preview=False, actor=None, now=now,
                                workers=args.workers)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
    if args.tracemalloc:
        tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    invoices = summary["invoices"]
    per_invoice = (f", {len(queries)} queries ({len(queries) / max(invoices, 1):.1f} per "
                   f"invoice)" if args.workers == 1 else "")
    print(f"month-end run, {args.workers} worker(s): {invoices} invoices, "
          f"{summary['total_net']} EUR excl. VAT, {len(summary['errors'])} errors in "
          f"{elapsed:.1f} s (CPU {cpu:.1f} s) -> {invoices / elapsed:.0f} invoices/s"
          + per_invoice)
    print("peak memory: " + (f"tracemalloc {peak / 2**20:.1f} MiB during the run, "
                             if peak is not None else "")
          + f"ru_maxrss {rss_before / 1024:.0f} MiB before the run, "
          f"{rss_after / 1024:.0f} MiB after")

    numbers = sorted(int(x.rsplit("-", 1)[1]) for x in Invoice.objects.filter(
        network=network).values_list("number", flat=True))
    gapless = numbers == list(range(1, len(numbers) + 1))
    entries, problems = verify_ledger(network)
    t0 = time.perf_counter()
    again = run_month_end(network, start, end, preview=False, actor=None, now=now)
    print(f"checks: numbering gapless {gapless} ({len(numbers)} numbers), ledger "
          f"{entries} entries, {len(problems)} problems; second run {again['invoices']} "
          f"invoices in {time.perf_counter() - t0:.1f} s")
    ok = gapless and not problems and again["invoices"] == 0 and not summary["errors"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
