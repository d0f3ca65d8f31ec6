"""E-mail backend that never makes a web request wait: each message becomes a task.

The task is enqueued after the surrounding transaction commits, so a rolled-back
booking sends nothing.
"""

import pickle

from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction


class TaskEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        from core.tasks import deliver_email

        count = 0
        for message in email_messages:
            message.connection = None
            payload = pickle.dumps(message)
            transaction.on_commit(lambda payload=payload: deliver_email(payload))
            count += 1
        return count
