"""Invoice documents and accounting exports benchmark (figures in docs/benchmarks.md).

    .venv/bin/python bench/bench_invoice_documents.py --db sqlite|postgres
        [--invoices 2000] [--render 40] [--quick]

Builds a fresh database (SQLite file under $MAILLAGE_VAR_DIR/bench/, or the PostgreSQL database
`bench_documents`) with one VAT-registered network and N issued invoices of three lines (two
VAT rates), one credit note per 20 invoices and a payment for every other invoice, issued
with BILLING_RENDER_DOCUMENTS off (what is measured is the documents, not the issuing). Then
prints:

- the time to render one invoice's documents (Factur-X XML + XSD check, WeasyPrint PDF/A-3,
  embedding), p50/p95/max over --render invoices, and what it means for the queue after a
  month-end run of N invoices;
- the time and size of the FEC of the year and of the invoices / payments CSVs;
- peak RSS of the process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import resource as rusage
import statistics
import sys
import time
import zoneinfo
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    p.add_argument("--invoices", type=int, default=2000)
    p.add_argument("--render", type=int, default=40, help="documents rendered and timed")
    p.add_argument("--pg-db", default="bench_documents")
    p.add_argument("--quick", action="store_true", help="60 invoices, 3 rendered")
    args = p.parse_args(argv)
    if args.quick:
        args.invoices, args.render = 60, 3
    return args


def setup_django(args) -> str:
    os.environ["DJANGO_SETTINGS_MODULE"] = "maillage.settings"
    os.environ.setdefault("MAILLAGE_INSECURE_DEV_KEY", "1")
    os.environ["TASKS_URL"] = "immediate"
    os.environ["EMAIL_DELIVERY_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.pop("DEBUG", None)
    var_dir = Path(os.environ.get("MAILLAGE_VAR_DIR", ROOT / "var"))
    if args.db == "sqlite":
        bench_dir = var_dir / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        path = bench_dir / ("documents-quick.sqlite3" if args.quick else "documents.sqlite3")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        where = str(path)
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{args.pg_db}"')
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.pg_db}"
        where = f"postgresql 127.0.0.1:5432/{args.pg_db}"

    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    settings.BILLING_RENDER_DOCUMENTS = False
    call_command("migrate", verbosity=0, interactive=False)
    return where


def build(args):
    from billing.models import BillingProfile, VatRegime
    from billing.services import LineInput, draft_invoice, issue_credit_note, issue_invoice
    from billing.services.payments import record_payment
    from members.models import Member, Role, RoleKind, User
    from places.models import Network
    from tests.factories import make_site

    network = Network.objects.create(
        slug="bench", name="Réseau bench", legal_name="Association Bench",
        legal_form="association loi 1901", siren="123456789", siret="12345678900018",
        address="1 place de la Mairie", postcode="38880", city="Autrans",
        vat_number="FR32123456789")
    make_site(network, "autrans", "Autrans")  # staff act on a network's sites
    profile = BillingProfile.of(network)
    profile.vat_regime = VatRegime.REGISTERED
    profile.save()
    staff_user = User.objects.create_user(email="coordination@bench.test", password="x")
    staff = Member.objects.create(network=network, user=staff_user)
    Role.objects.create(network=network, member=staff, kind=RoleKind.COORDINATOR)
    members = [Member(network=network, user=User.objects.create_user(
        email=f"m{i}@bench.test", password=None, first_name="Membre", last_name=str(i)))
        for i in range(args.invoices)]
    members = Member.objects.bulk_create(members)
    day = NOW.date()
    invoices = []
    for i, member in enumerate(members):
        lines = [LineInput("Abonnement 2 jours par semaine — novembre 2026", Decimal("95.00")),
                 LineInput("Salle de réunion (heures)", Decimal("12.50"), Decimal(i % 4 + 1)),
                 LineInput("Impressions au-delà du quota", Decimal("0.10"), Decimal(i % 90),
                           vat_rate=Decimal("10.00"))]
        draft = draft_invoice(network, lines=lines, service_start=dt.date(2026, 11, 1),
                              service_end=dt.date(2026, 11, 30), buyer_member=member)
        invoice = issue_invoice(draft, issue_date=day, actor=staff_user, now=NOW)
        invoices.append(invoice)
        if i % 20 == 0:
            issue_credit_note(invoice, reason="Geste commercial", issue_date=day,
                              actor=staff_user, now=NOW,
                              lines=[LineInput("Geste commercial", Decimal("10.00"))])
        if i % 2 == 0:
            record_payment(invoice, amount=Decimal("50.00"), method="transfer",
                           received_on=day, reference=f"VIR {i}", actor=staff_user, now=NOW)
    return network, invoices


def main(argv=None) -> int:
    args = parse_args(argv)
    where = setup_django(args)
    from billing.documents import render_document
    from billing.exports import fec_bytes, invoices_csv, payments_csv

    started = time.perf_counter()
    network, invoices = build(args)
    print(f"database: {where}")
    print(f"dataset: {len(invoices)} invoices issued in {time.perf_counter() - started:.1f} s")

    timings = []
    for invoice in invoices[:args.render]:
        t0 = time.perf_counter()
        render_document(invoice.pk)
        timings.append(time.perf_counter() - t0)
    first, rest = timings[0], timings[1:] or timings
    p95 = sorted(rest)[min(len(rest), math.ceil(len(rest) * 0.95)) - 1]
    print(f"render one invoice document: first {first * 1000:.0f} ms (imports, fonts), then "
          f"n={len(rest)} p50={statistics.median(rest) * 1000:.0f} ms "
          f"p95={p95 * 1000:.0f} ms max={max(rest) * 1000:.0f} ms")
    per_doc = statistics.median(rest)
    # Rendering is CPU-bound Python: huey's thread workers share the GIL, so one process
    # renders about this fast whatever TASKS_WORKERS says.
    print(f"queue after a month-end run of {len(invoices)} invoices: about "
          f"{len(invoices) * per_doc / 60:.1f} min with 1 worker process")

    year = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    for name, build_export in (("FEC", fec_bytes), ("invoices CSV", invoices_csv),
                               ("payments CSV", payments_csv)):
        t0 = time.perf_counter()
        data = build_export(network, *year)
        lines = data.count(b"\r\n") - 1
        print(f"{name} of the year: {lines} lines, {len(data) / 1024:.0f} KiB in "
              f"{time.perf_counter() - t0:.2f} s")
    peak = rusage.getrusage(rusage.RUSAGE_SELF).ru_maxrss // 1024
    print(f"peak RSS {peak} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
