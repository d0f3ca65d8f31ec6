"""Daily reminders for unpaid invoices (see payments/reminders.py)."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from payments.reminders import send_reminders


@db_periodic_task(crontab(hour="8", minute="0"))
def send_reminders_daily():
    return len(send_reminders(timezone.now()))
