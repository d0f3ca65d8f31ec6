"""Door access benchmark (issue 4; figures recorded in docs/benchmarks.md).

    .venv/bin/python bench/bench_access.py --db sqlite|postgres [--members 5000]
        [--controllers 50] [--requests 3000] [--clients 4] [--quick] [--all-open] [--warm-up 100]
        [--server gunicorn|runserver] [--workers 2] [--conn-max-age 600]

Builds a fresh database (SQLite file under $MAILLAGE_VAR_DIR/bench/, or the PostgreSQL database
`bench_access`) holding one network of 10 sites, N members with a badge each (10 % with 24/7
rights, 5 % with a PIN too) and the controllers spread over the sites (open 9:00-18:00 on
weekdays, or all day every day with --all-open); starts the real server
(gunicorn by default, `--server runserver` for Django's) on 127.0.0.1, and sends signed
decisions from several client threads, each as the reference controller does (HMAC, nonce).
Prints decisions/s, p50/p95/max latency seen by the controller, then the size and build time
of one controller's allow-list.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def parse_args(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--members", type=int, default=5000)
    p.add_argument("--controllers", type=int, default=50)
    p.add_argument("--requests", type=int, default=3000)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--pg-db", default="bench_access")
    p.add_argument("--server", choices=["gunicorn", "runserver"], default="gunicorn",
                   help="gunicorn (as in production) or Django's development server")
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    p.add_argument("--conn-max-age", type=int, default=600,
                   help="DATABASE_CONN_MAX_AGE of the server (0: a new connection per request)")
    p.add_argument("--warm-up", type=int, default=100,
                   help="requests sent before measuring (not counted)")
    p.add_argument("--all-open", action="store_true",
                   help="sites open every day 00:00-23:59, so members are let in (the daytime "
                        "path: presence and check-in recorded) whatever the real clock")
    p.add_argument("--quick", action="store_true",
                   help="500 members, 5 controllers, 200 requests: a smoke run (tests)")
    args = p.parse_args(argv)
    if args.quick:
        args.members, args.controllers, args.requests = 500, 5, 200
    return args


def setup_django(args) -> dict:
    env = {"DJANGO_SETTINGS_MODULE": "maillage.settings", "MAILLAGE_INSECURE_DEV_KEY": "1",
           "TASKS_URL": "immediate",
           "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    os.environ.update(env)
    os.environ.pop("DEBUG", None)
    var_dir = Path(os.environ.get("MAILLAGE_VAR_DIR", ROOT / "var"))
    if args.db == "sqlite":
        path = var_dir / "bench" / "bench-access.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{args.pg_db}"')
        url = f"postgres://postgres@127.0.0.1:5432/{args.pg_db}"
    os.environ["DATABASE_URL"] = env["DATABASE_URL"] = url
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return env


def build(args, rng):
    import datetime as dt

    from access import crypto
    from access.models import Credential, DoorController, MemberAccess
    from members.models import Member, User
    from places.models import Network, OpeningHours, Site

    network = Network.objects.create(slug="bench", name="Bench")
    sites = [Site.objects.create(network=network, slug=f"lieu-{i}", name=f"Lieu {i}",
                                 address="1 place", postcode="38880", city="Autrans",
                                 insee_code="38021", members_24_7=i % 2 == 0)
             for i in range(10)]
    if args.all_open:
        hours = [(d, dt.time(0), dt.time(23, 59)) for d in range(7)]
    else:
        hours = [(d, dt.time(9), dt.time(18)) for d in range(5)]
    OpeningHours.objects.bulk_create([
        OpeningHours(network=network, site=s, weekday=d, opens=opens, closes=closes)
        for s in sites for d, opens, closes in hours])
    users = User.objects.bulk_create([User(email=f"m{i}@bench.test", password="!")
                                      for i in range(args.members)])
    members = Member.objects.bulk_create([Member(network=network, user=u) for u in users])
    key = crypto.network_credential_key(network.pk)
    uids = [f"{rng.getrandbits(32):08X}" for _ in members]
    creds = [Credential(network=network, member=m, kind="badge", hint=uid[-4:],
                        secret_hash=crypto.hash_with_key(key, "badge", uid))
             for m, uid in zip(members, uids)]
    creds += [Credential(network=network, member=m, kind="pin",
                         secret_hash=crypto.hash_with_key(key, "pin", f"{i:06d}"))
              for i, m in enumerate(members[::20])]
    Credential.objects.bulk_create(creds, batch_size=2000)
    MemberAccess.objects.bulk_create([MemberAccess(network=network, member=m,
                                                   around_the_clock=True)
                                      for m in members[::10]])
    controllers = []
    for i in range(args.controllers):
        c = DoorController.objects.create(network=network, site=sites[i % len(sites)],
                                          name=f"Porte {i}", key_id=crypto.new_key_id(),
                                          key_salt=crypto.new_key_salt())
        controllers.append((c, crypto.controller_secret(c.key_id, c.key_salt)))
    # A few unknown badges too: 5 % of the presented ones.
    return controllers, uids + [f"{rng.getrandbits(32):08X}" for _ in range(len(uids) // 20)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env, args) -> tuple[subprocess.Popen, str]:
    port = free_port()
    if args.server == "gunicorn":
        command = [str(Path(sys.executable).with_name("gunicorn")), "maillage.wsgi",
                   "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
                   "--chdir", str(ROOT)]
    else:
        command = [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}",
                   "--noreload", "--skip-checks"]
    proc = subprocess.Popen(
        command, env={**os.environ, **env, "DATABASE_CONN_MAX_AGE": str(args.conn_max_age)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/api/access/v1/allow-list", timeout=1)  # noqa: S310
        except urllib.error.HTTPError:
            return proc, url  # 401: the server answers
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def run_load(args, url, controllers, uids, rng):
    from tools.door_controller import DoorController as Client

    latencies, outcomes, lock = [], {"allowed": 0, "refused": 0, "errors": 0}, threading.Lock()
    per_client = args.requests // args.clients
    tmp = ROOT / "var" / "bench" / "door-state"
    clients = [Client(url, c.key_id, secret, tmp / c.key_id, timeout=10)
               for c, secret in controllers]

    def worker(seed):
        local = random.Random(seed)
        for _ in range(per_client):
            client = local.choice(clients)
            uid = local.choice(uids)
            started = time.perf_counter()
            try:
                answer = client._request("POST", "/api/access/v1/decisions",
                                         {"type": "badge", "value": uid})["data"]
            except Exception:  # noqa: BLE001 - counted and reported
                with lock:
                    outcomes["errors"] += 1
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                outcomes["allowed" if answer["allowed"] else "refused"] += 1

    threads = [threading.Thread(target=worker, args=(rng.random(),))
               for _ in range(args.clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, outcomes, time.perf_counter() - started


def main(argv=None):
    args = parse_args(argv)
    rng = random.Random(4)
    env = setup_django(args)
    t0 = time.perf_counter()
    controllers, uids = build(args, rng)
    # Tables as autovacuum (PostgreSQL) or a routine ANALYZE keeps them in production: right
    # after a bulk load the planner knows nothing of their sizes, and on PostgreSQL the first
    # read of each fresh row also rewrites its page (hint bits) — both slowed every request.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    connection.close()  # the server has its own connections; this process only sends requests
    # The dataset built above stays in this process's memory: keep the garbage collector from
    # walking it during the measured requests (the client would pause, not the server).
    gc.collect()
    gc.freeze()
    print(f"dataset: {args.members} members with a badge, {args.controllers} controllers on "
          f"10 sites ({args.db}{', open all day' if args.all_open else ''}), built in "
          f"{time.perf_counter() - t0:.1f} s; server: "
          f"{args.server}, DATABASE_CONN_MAX_AGE={args.conn_max_age}")
    proc, url = start_server(env, args)
    try:
        # A door talks to a long-running server: its workers' first requests (connections,
        # imports, the per-process controller cache) are not counted.
        warm_up = 20 if args.quick else args.warm_up
        run_load(argparse.Namespace(**{**vars(args), "requests": warm_up}), url, controllers,
                 uids, rng)
        latencies, outcomes, wall = run_load(args, url, controllers, uids, rng)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    # Other work on this machine skews the figures: say how busy it was.
    load = os.getloadavg()[0]
    print(f"load average (1 min) after the run: {load:.1f} on {os.cpu_count()} CPUs")
    q = statistics.quantiles(latencies, n=100)
    print(f"decisions through the HTTP API, {args.clients} clients: {len(latencies)} in "
          f"{wall:.1f} s -> {len(latencies) / wall:.0f} decisions/s "
          f"({outcomes['allowed']} allowed, {outcomes['refused']} refused, "
          f"{outcomes['errors']} errors)")
    print(f"latency seen by the controller: p50={q[49]:.1f} ms p95={q[94]:.1f} ms "
          f"max={max(latencies):.1f} ms (target p95 <= 30 ms)")
    quarter = max(len(latencies) // 4, 2)
    print("p50 / p95 by quarter of the run (ms): " + ", ".join(
        f"{statistics.quantiles(part, n=100)[49]:.1f} / "
        f"{statistics.quantiles(part, n=100)[94]:.1f}"
        for part in (latencies[i:i + quarter] for i in range(0, quarter * 4, quarter))))

    from django.utils import timezone

    from access.doors import build_allow_list

    controller = controllers[0][0]
    started = time.perf_counter()
    allow_list = build_allow_list(controller, now=timezone.now())
    build_ms = (time.perf_counter() - started) * 1000
    body = json.dumps(allow_list, separators=(",", ":")).encode()
    print(f"allow-list for {args.members} members: {len(allow_list['entries'])} entries, "
          f"{len(body) // 1024} KiB JSON, {len(gzip.compress(body)) // 1024} KiB gzipped, "
          f"built in {build_ms:.0f} ms")


if __name__ == "__main__":
    main()
