"""Booking benchmarks required by the foundation issue (figures recorded in docs/benchmarks.md).

    .venv/bin/python bench/bench_bookings.py --db sqlite|postgres [--rows 1000000] [--quick]

Builds a fresh database (SQLite file under $MAILLAGE_VAR_DIR/bench/, or the PostgreSQL database
`bench_maillage`), generates a network of 20 sites x 15 resources with two years of bookings
(~1 M rows) that respect capacity, then prints:

- p50/p95/max of free_slots(site, day) and free_desks(network, day) over random days;
- the throughput of book_resource under 16 concurrent clients (own connection each), and a
  contention run where 16 clients race for the last seats of one half-day;
- the ratio of one booking through book_resource to a bare INSERT of the same row;
- peak memory (tracemalloc during the read queries, and the process's peak RSS).

--quick builds a small dataset (2 sites, 45 days) so a smoke test runs in well under a minute.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import random
import resource as rusage
import secrets
import statistics
import sys
import threading
import time
import tracemalloc
import zoneinfo
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# A fixed "now" so runs are comparable: one year of history behind it, one year ahead.
NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
THREADS = 16

# The 15 resources of a site: (kind, seats, booking unit, count).
SITE_RESOURCES = [
    ("open_space", 8, "half_day", 2),
    ("fixed_desk", 1, "half_day", 3),
    ("private_office", 1, "half_day", 3),
    ("meeting_room", 1, "hour", 4),
    ("visio_point", 1, "hour", 2),
    ("phone_booth", 1, "hour", 1),
]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    p.add_argument("--rows", type=int, default=1_000_000,
                   help="approximate number of bookings (scales the span of days; default 1M "
                        "= two years for 20 sites)")
    p.add_argument("--sites", type=int, default=20)
    p.add_argument("--quick", action="store_true", help="small dataset, for a smoke test")
    p.add_argument("--samples", type=int, default=200, help="random days per read query")
    p.add_argument("--per-thread", type=int, default=40,
                   help="bookings per client in the throughput run")
    p.add_argument("--ratio-n", type=int, default=300,
                   help="bookings in the service / bare INSERT comparison")
    p.add_argument("--pg-db", default="bench_maillage", help="PostgreSQL database (recreated)")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    if args.quick:
        args.sites = min(args.sites, 2)
        args.rows = min(args.rows, 8_000)
        args.samples = min(args.samples, 40)
        args.per_thread = min(args.per_thread, 5)
        args.ratio_n = min(args.ratio_n, 40)
    if args.pg_db == "maillage" or args.pg_db.startswith("test_"):
        p.error("refusing to recreate a development or test database")
    return args


def setup_django(args) -> str:
    """Point settings at a fresh database, then django.setup() and migrate."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "maillage.settings"
    os.environ.setdefault("MAILLAGE_INSECURE_DEV_KEY", "1")
    os.environ["TASKS_URL"] = "immediate"
    os.environ["EMAIL_DELIVERY_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.pop("DEBUG", None)  # DEBUG keeps every query in memory and slows everything
    var_dir = Path(os.environ.get("MAILLAGE_VAR_DIR", ROOT / "var"))
    if args.db == "sqlite":
        bench_dir = var_dir / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        path = bench_dir / ("bench-quick.sqlite3" if args.quick else "bench.sqlite3")
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
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return where


# --- dataset ------------------------------------------------------------------------------


class Dataset:
    def __init__(self):
        self.network = None
        self.sites = []
        self.resources = []
        self.members = []
        self.first_day = None
        self.last_day = None
        self.rows = 0
        self.seconds = 0.0


def build_dataset(args, rng: random.Random) -> Dataset:
    from django.db import connection, transaction

    from members.models import Member, User
    from places.models import Network, OpeningException, OpeningHours, Resource, ResourceBlock, Site
    from places.schedule import SiteSchedule

    t0 = time.perf_counter()
    ds = Dataset()
    # 20 sites have ~1370 bookings a day between them: the span of days follows --rows.
    days = max(20, round(730 * args.rows / 1_000_000 * 20 / args.sites))
    ds.first_day = NOW.date() - dt.timedelta(days=days // 2)
    ds.last_day = ds.first_day + dt.timedelta(days=days - 1)

    with transaction.atomic():
        ds.network = Network.objects.create(slug="bench", name="Réseau de mesure")
        for i in range(args.sites):
            site = Site.objects.create(
                network=ds.network, slug=f"lieu-{i}", name=f"Lieu {i:02d}",
                address="1 place de la Mairie", postcode="38880", city="Autrans",
                insee_code="38021")
            hours = [OpeningHours(network=ds.network, site=site, weekday=d, opens=dt.time(8),
                                  closes=dt.time(19)) for d in range(5)]
            if i % 2 == 0:  # every other site opens on Saturday morning
                hours.append(OpeningHours(network=ds.network, site=site, weekday=5,
                                          opens=dt.time(9), closes=dt.time(13)))
            OpeningHours.objects.bulk_create(hours)
            for year in range(ds.first_day.year, ds.last_day.year + 1):
                OpeningException.objects.bulk_create([
                    OpeningException(network=ds.network, site=site,
                                     start_date=dt.date(year, 8, 4 + i % 7),
                                     end_date=dt.date(year, 8, 17 + i % 7),
                                     reason="congés d'été"),
                    OpeningException(network=ds.network, site=site,
                                     start_date=dt.date(year, 12, 24),
                                     end_date=dt.date(year, 12, 31), reason="fêtes"),
                ])
            n = 0
            for kind, seats, unit, count in SITE_RESOURCES:
                for _ in range(count):
                    n += 1
                    ds.resources.append(Resource(
                        network=ds.network, site=site, kind=kind, seats=seats,
                        capacity=8 if kind == "meeting_room" else seats, booking_unit=unit,
                        name=f"{kind} {n}", max_advance_days=400))
            ds.sites.append(site)
        Resource.objects.bulk_create(ds.resources)
        ds.resources = list(Resource.objects.filter(network=ds.network)
                            .select_related("site__network").order_by("pk"))
        # A week of maintenance per resource per year, which the generator leaves free.
        blocks = []
        for r in ds.resources:
            for _ in range(max(1, days // 365)):
                day = ds.first_day + dt.timedelta(days=rng.randrange(days))
                start = dt.datetime.combine(day, dt.time(0), tzinfo=PARIS)
                blocks.append(ResourceBlock(network=ds.network, resource=r, start=start,
                                            end=start + dt.timedelta(days=7),
                                            reason="maintenance"))
        ResourceBlock.objects.bulk_create(blocks)

        n_members = max(50, args.rows // 300)
        users = [User(email=f"membre{i}@bench.example", password="!", first_name="Membre",
                      last_name=str(i)) for i in range(n_members)]
        User.objects.bulk_create(users, batch_size=2000)
        users = list(User.objects.filter(email__endswith="@bench.example").order_by("pk"))
        Member.objects.bulk_create(
            [Member(network=ds.network, user=u, calendar_token=secrets.token_urlsafe(24))
             for u in users], batch_size=2000)
        ds.members = list(Member.objects.filter(network=ds.network).select_related("user")
                          .order_by("pk"))

    schedules = SiteSchedule.for_sites(ds.sites)
    blocked = set()
    for b in blocks:
        day = b.start.date()
        while dt.datetime.combine(day, dt.time(0), tzinfo=PARIS) < b.end:
            blocked.add((b.resource.pk, day))
            day += dt.timedelta(days=1)
    by_site = {}
    for r in ds.resources:
        by_site.setdefault(r.site_id, []).append(r)
    member_ids = [(m.pk, m.user_id) for m in ds.members]

    def rows():
        day = ds.first_day
        while day <= ds.last_day:
            for site in ds.sites:
                schedule = schedules[site.pk]
                hours = schedule.day(day)
                if not hours.is_open:
                    continue
                whole = schedule.slot(day, "day")
                halves = [(s, e) for _, s, e in schedule.half_day_slots(day)] or [whole]
                steps = [schedule.local(day, dt.time(h, m)) for h in range(24) for m in (0, 30)
                         if hours.opens <= dt.time(h, m) <= hours.closes]
                for r in by_site[site.pk]:
                    if (r.pk, day) in blocked:
                        continue
                    for s, e, seats in _resource_day(r, whole, halves, steps, rng):
                        yield (r, s, e, seats)
            day += dt.timedelta(days=1)

    with _indexes_rebuilt_after(connection):
        ds.rows = _insert_bookings(connection, ds, rows(), member_ids, rng)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")  # what autovacuum does shortly after a bulk load
    ds.seconds = time.perf_counter() - t0
    return ds


def _resource_day(r, whole, halves, steps, rng):
    """Capacity-respecting bookings of one resource on one open day."""
    if r.kind == "open_space":
        for _seat in range(r.seats):  # each seat independently: never more than r.seats
            if rng.random() < 0.2:
                yield whole[0], whole[1], 1
            else:
                for s, e in halves:
                    if rng.random() < 0.8:
                        yield s, e, 1
    elif r.booking_unit == "half_day":
        if rng.random() < 0.25:
            yield whole[0], whole[1], 1
        else:
            for s, e in halves:
                if rng.random() < 0.7:
                    yield s, e, 1
    else:  # hourly, back to back with gaps: exclusive spans never overlap
        i = 0
        while i < len(steps) - 1:
            if rng.random() < 0.15:
                i += 1
                continue
            j = min(len(steps) - 1, i + rng.choice((1, 2, 2, 3, 4)))
            yield steps[i], steps[j], 1
            i = j


@contextmanager
def _indexes_rebuilt_after(connection):
    """Drop the booking table's indexes for the bulk load and build them again afterwards (the
    usual way to load a big table). On PostgreSQL the exclusion constraint is added back the
    way migration 0003 adds it, which also proves the generated data respects it."""
    table = "bookings_booking"
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE bookings_booking DROP CONSTRAINT booking_exclusive_no_overlap")
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname "
                "NOT IN (SELECT conname FROM pg_constraint)", [table])
        else:
            cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                        "AND tbl_name = %s AND sql IS NOT NULL", [table])
        indexes = cur.fetchall()
        for name, _sql in indexes:
            cur.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cur:
        for _name, sql in indexes:
            cur.execute(sql)
        if connection.vendor == "postgresql":
            migration = importlib.import_module("bookings.migrations.0003_exclusive_no_overlap")
            cur.execute(migration.CONSTRAINT_SQL)


def _insert_bookings(connection, ds, rows, member_ids, rng) -> int:
    from bookings.models import Booking

    cols = [f.column for f in Booking._meta.concrete_fields if not f.primary_key]
    created = NOW - dt.timedelta(days=45)
    count = 0

    def records():
        nonlocal count
        for r, s, e, seats in rows:
            member_id, user_id = member_ids[rng.randrange(len(member_ids))]
            if e <= NOW:
                status = "completed" if rng.random() < 0.96 else "no_show"
            else:
                status = "confirmed"
            base = {"network_id": r.network_id, "site_id": r.site_id, "resource_id": r.pk,
                    "member_id": member_id, "guest_name": "", "guest_email": "", "start": s,
                    "end": e, "seats": seats, "is_exclusive": r.kind != "open_space",
                    "status": status, "source": "web", "series_id": None, "note": "",
                    "created_by_id": user_id, "created_at": min(created, s),
                    "cancelled_at": None, "cancelled_by_id": None}
            count += 1
            yield tuple(base[c] for c in cols)
            if rng.random() < 0.04:  # a cancelled booking the kept one replaced
                other_id, other_user = member_ids[rng.randrange(len(member_ids))]
                base.update(member_id=other_id, created_by_id=other_user, status="cancelled",
                            cancelled_at=min(created, s), cancelled_by_id=other_user)
                count += 1
                yield tuple(base[c] for c in cols)

    quoted = ", ".join(connection.ops.quote_name(c) for c in cols)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with connection.connection.cursor() as cur:
            with cur.copy(f"COPY bookings_booking ({quoted}) FROM STDIN") as copy:
                for rec in records():
                    copy.write_row(rec)
        connection.connection.commit()
    else:
        adapt = connection.ops.adapt_datetimefield_value
        cache = {}

        def sqlite_records():
            for rec in records():
                yield tuple(
                    (cache.get(v) or cache.setdefault(v, adapt(v)))
                    if isinstance(v, dt.datetime) else v for v in rec)

        connection.ensure_connection()
        raw = connection.connection
        placeholders = ", ".join("?" * len(cols))
        sql = f"INSERT INTO bookings_booking ({quoted}) VALUES ({placeholders})"  # noqa: S608 - model columns
        raw.executemany(sql, sqlite_records())
        raw.commit()
    return count


# --- measurements -------------------------------------------------------------------------


def pct(values, q):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q / 100 * (len(values) - 1))))
    return values[k]


def timed_calls(fn, argsets):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for a in argsets[:5]:  # warm caches and the connection
        fn(*a)
    with CaptureQueriesContext(connection) as ctx:
        fn(*argsets[0])
    queries = len(ctx.captured_queries)
    times, cpu = [], []
    for a in argsets:
        t, c = time.perf_counter(), time.thread_time()
        fn(*a)
        cpu.append((time.thread_time() - c) * 1000)
        times.append((time.perf_counter() - t) * 1000)
    return times, cpu, queries


def free_candidates(ds, days, rng):
    """Free (resource, start, end) units, one per free seat, on open days."""
    from bookings.selectors import free_slots

    # Callers hold a resource loaded with its site and network, as the booking pages do.
    loaded = {r.pk: r for r in ds.resources}
    out = []  # 30-minute units of an hourly resource share one grid: they never overlap
    for day in days:
        for site in ds.sites:
            for r, spans in free_slots(site, day).items():
                for s, e, free in spans:
                    out.extend([(loaded[r.pk], s, e)] * free)
    rng.shuffle(out)
    return out


def run_throughput(ds, cands):
    from django.db import connection

    from bookings.errors import BookingError
    from bookings.services import book_resource

    work = [cands[i::THREADS] for i in range(THREADS)]
    booked, refused, errors = [0] * THREADS, [0] * THREADS, []
    barrier = threading.Barrier(THREADS + 1)

    def client(i):
        member = ds.members[i % len(ds.members)]
        try:
            connection.ensure_connection()
            barrier.wait()
            for r, s, e in work[i]:
                try:
                    book_resource(member, r, start=s, end=e, actor=member.user, now=NOW,
                                  notify=False)
                    booked[i] += 1
                except BookingError:
                    refused[i] += 1
        except Exception as exc:  # noqa: BLE001 - reported, and the run fails below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"throughput clients failed: {errors[:3]}")
    return sum(booked), sum(refused), wall


def run_contention(ds, cands):
    """16 clients race for the free seats of one open-space half-day."""
    from django.db import connection

    from bookings.capacity import free_seats
    from bookings.errors import BookingError
    from bookings.models import Booking
    from bookings.services import book_resource

    pooled = [(r, s, e) for r, s, e in cands if r.is_pooled and (e - s) < dt.timedelta(hours=7)]
    r, s, e = pooled[0]
    free = free_seats(r, s, e)
    before = Booking.objects.filter(resource=r, start=s, end=e, status="confirmed").count()
    outcome = {"booked": 0, "refused": 0}
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def client(i):
        member = ds.members[-1 - i]
        try:
            barrier.wait()
            try:
                book_resource(member, r, start=s, end=e, actor=member.user, now=NOW,
                              notify=False)
                key = "booked"
            except BookingError:
                key = "refused"
            with lock:
                outcome[key] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = Booking.objects.filter(resource=r, start=s, end=e, status="confirmed").count()
    return free, outcome["booked"], outcome["refused"], after - before


def run_ratio(ds, cands):
    """The same rows booked through book_resource and inserted with a bare SQL INSERT,
    each in its own transaction (autocommit), in the same process."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bookings.models import Booking
    from bookings.services import book_resource

    cols = [f.column for f in Booking._meta.concrete_fields if not f.primary_key]
    quoted = ", ".join(connection.ops.quote_name(c) for c in cols)
    placeholders = ", ".join(["%s"] * len(cols))
    sql = f"INSERT INTO bookings_booking ({quoted}) VALUES ({placeholders})"  # noqa: S608 - model columns
    members = ds.members
    adapt = connection.ops.adapt_datetimefield_value  # what the ORM does before an INSERT

    def values(i, r, s, e):
        m = members[i % len(members)]
        row = {"network_id": r.network_id, "site_id": r.site_id, "resource_id": r.pk,
               "member_id": m.pk, "guest_name": "", "guest_email": "", "start": s, "end": e,
               "seats": 1, "is_exclusive": not r.is_pooled, "status": "confirmed",
               "source": "web", "series_id": None, "note": "", "created_by_id": m.user_id,
               "created_at": timezone.now(), "cancelled_at": None, "cancelled_by_id": None}
        return [adapt(v) if isinstance(v, dt.datetime) else v for v in (row[c] for c in cols)]

    warm, cands = cands[:5], cands[5:]
    first_new = Booking.objects.order_by("-pk").values_list("pk", flat=True).first()
    bare = []
    with connection.cursor() as cur:
        for i, (r, s, e) in enumerate(warm + cands):
            t = time.perf_counter()
            cur.execute(sql, values(i, r, s, e))
            if i >= len(warm):
                bare.append((time.perf_counter() - t) * 1000)
    Booking.objects.filter(pk__gt=first_new).delete()

    service = []
    for i, (r, s, e) in enumerate(warm + cands):
        m = members[i % len(members)]
        if i == 0:
            with CaptureQueriesContext(connection) as ctx:
                book_resource(m, r, start=s, end=e, actor=m.user, now=NOW, notify=False)
            queries = [q["sql"] for q in ctx.captured_queries]
            continue
        t = time.perf_counter()
        book_resource(m, r, start=s, end=e, actor=m.user, now=NOW, notify=False)
        if i >= len(warm):
            service.append((time.perf_counter() - t) * 1000)
    return bare, service, queries


def peak_heap_kib(fn, *a) -> float:
    tracemalloc.start()
    try:
        fn(*a)
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


def main(argv=None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    t_start = time.perf_counter()
    where = setup_django(args)

    from django.db import connection

    from bookings.selectors import free_desks, free_slots
    from places.models import Site

    print(f"== maillage booking benchmark: {connection.vendor} ({where}) ==")
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, "
          f"{'quick' if args.quick else 'full'} run, now={NOW.isoformat()}")
    ds = build_dataset(args, rng)
    print(f"dataset: {len(ds.sites)} sites x {len(ds.resources) // len(ds.sites)} resources, "
          f"{ds.first_day} .. {ds.last_day}, {ds.rows:,} bookings, {len(ds.members):,} members "
          f"(built in {ds.seconds:.1f} s)")

    all_days = [ds.first_day + dt.timedelta(days=i)
                for i in range((ds.last_day - ds.first_day).days + 1)]
    sites = list(Site.objects.filter(network=ds.network).select_related("network"))
    network = ds.network
    slot_args = [(rng.choice(sites), rng.choice(all_days)) for _ in range(args.samples)]
    desk_args = [(network, rng.choice(all_days)) for _ in range(args.samples)]

    target = "  (target p95 <= 20 ms)"
    for label, fn, argsets in (("free_slots(site, day)", free_slots, slot_args),
                               ("free_desks(network, day)", free_desks, desk_args)):
        times, cpu, queries = timed_calls(fn, argsets)
        p95 = pct(times, 95)
        print(f"{label:<26} n={len(times):<4} p50={pct(times, 50):7.2f} ms  "
              f"p95={p95:7.2f} ms  max={max(times):7.2f} ms  queries={queries}"
              f"{target} {'OK' if p95 <= 20 else 'MISSED'}")
        # CPU time of this process only: on SQLite all the work, on PostgreSQL the client side.
        print(f"{'':<26} cpu p50={pct(cpu, 50):7.2f} ms  p95={pct(cpu, 95):7.2f} ms",
              flush=True)

    # Free units in the month ahead: bookable by members (notice and advance limits hold).
    ahead = [NOW.date() + dt.timedelta(days=i) for i in range(1, 45)]
    cands = free_candidates(ds, rng.sample(ahead, min(len(ahead), 12 if args.quick else 20)), rng)
    # Each unit is one free seat, so any share of them can all be booked.
    n = THREADS * args.per_thread
    through, ratio_cands, rest = cands[:n], cands[n:n + args.ratio_n + 5], cands[n + args.ratio_n + 5:]

    booked, refused, wall = run_throughput(ds, through)
    print(f"service throughput, {THREADS} clients: {booked} booked, {refused} refused "
          f"in {wall:.2f} s -> {booked / wall:.1f} bookings/s", flush=True)
    free, won, lost, written = run_contention(ds, rest)
    ok = won == min(free, THREADS) and written == won
    print(f"contention, {THREADS} clients on one half-day with {free} free seats: {won} booked, "
          f"{lost} refused, {written} rows written {'OK' if ok else 'WRONG'}", flush=True)

    bare, service, queries = run_ratio(ds, ratio_cands)
    ratio_mean = statistics.mean(service) / statistics.mean(bare)
    ratio_median = statistics.median(service) / statistics.median(bare)
    print(f"one booking: book_resource mean={statistics.mean(service):.3f} ms "
          f"median={statistics.median(service):.3f} ms; bare INSERT "
          f"mean={statistics.mean(bare):.3f} ms median={statistics.median(bare):.3f} ms "
          f"(n={len(service)})")
    print(f"ratio book_resource / bare INSERT: {ratio_mean:.1f}x mean, {ratio_median:.1f}x "
          f"median  (target <= 3x) {'OK' if ratio_mean <= 3 else 'MISSED'}")
    print(f"queries per booking through the service: {len(queries)}")
    for q in queries:
        print(f"    {' '.join(q.split())[:110]}")

    heap_slots = peak_heap_kib(free_slots, *slot_args[0])
    heap_desks = peak_heap_kib(free_desks, *desk_args[0])
    rss = rusage.getrusage(rusage.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: free_slots {heap_slots:.0f} KiB, free_desks {heap_desks:.0f} KiB "
          f"(tracemalloc); process peak RSS {rss:.0f} MiB (whole run, generation included)")
    print(f"total time: {time.perf_counter() - t_start:.1f} s; load average at the end "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} (other processes share the cores)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
