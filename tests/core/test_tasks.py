"""Background work really goes through the queue: a booking's e-mail is enqueued after commit
(the web request sends nothing itself) and delivered when a worker runs the task — with the
embedded SQLite queue and with Redis, the production broker."""

import datetime as dt
import threading

import pytest
from django.core import mail
from huey import RedisHuey, SqliteHuey
from huey.contrib.djhuey import HUEY

from bookings.services import book_resource
from tests.conftest import local

TUESDAY = dt.date(2026, 11, 24)


@pytest.fixture
def real_queue(request, tmp_path):
    """Point the project's huey instance at a real storage for one test."""
    kind = request.param
    if kind == "sqlite":
        storage = SqliteHuey("maillage-test", filename=str(tmp_path / "tasks.sqlite3")).storage
    else:
        redis = RedisHuey("maillage-test", url="redis://127.0.0.1:6379/15")
        storage = redis.storage
    saved = (HUEY.immediate, HUEY.storage)
    HUEY.immediate = False
    HUEY.storage = storage
    storage.flush_all()
    yield kind
    storage.flush_all()
    HUEY.storage = saved[1]
    HUEY.immediate = saved[0]


def run_worker_once():
    """What `manage.py run_huey` does for one message, in its own thread and connection."""
    outcome = {}

    def work():
        task = HUEY.dequeue()
        outcome["task"] = task
        if task is not None:
            HUEY.execute(task)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    assert outcome.get("task") is not None, "nothing was queued"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("real_queue", ["sqlite", "redis"], indirect=True)
def test_booking_email_is_queued_then_delivered_by_the_worker(world, now, real_queue):
    book_resource(world.member, world.desks, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                  actor=world.member.user, now=now)
    assert mail.outbox == []  # nothing sent during the "request"
    assert HUEY.pending_count() == 1
    run_worker_once()
    assert HUEY.pending_count() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["membre@example.org"]
    assert mail.outbox[0].subject == "Réservation confirmée – Autrans"


@pytest.mark.parametrize("real_queue", ["sqlite"], indirect=True)
def test_rolled_back_booking_queues_nothing(world, now, real_queue,
                                            django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            book_resource(world.member, world.desks, start=local(TUESDAY, 9),
                          end=local(TUESDAY, 13), actor=world.member.user, now=now)
            raise RuntimeError("the surrounding work failed")
    assert callbacks == []
    assert HUEY.pending_count() == 0


def test_project_routes_every_django_email_through_the_task_backend():
    # Django's test runner swaps EMAIL_BACKEND for locmem; the project's own value is this:
    from maillage import settings as project_settings

    assert project_settings.EMAIL_BACKEND == "core.mail.TaskEmailBackend"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("real_queue", ["sqlite"], indirect=True)
def test_task_backend_queues_any_email_until_a_worker_sends_it(real_queue):
    from django.core.mail import get_connection, send_mail

    send_mail("Confirmez votre adresse", "lien", None, ["nouvelle@example.org"],
              connection=get_connection("core.mail.TaskEmailBackend"))
    assert mail.outbox == [] and HUEY.pending_count() == 1
    run_worker_once()
    assert [m.to for m in mail.outbox] == [["nouvelle@example.org"]]
