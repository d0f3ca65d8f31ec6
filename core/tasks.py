"""Background tasks of the socle. Every e-mail leaves through `deliver_email`."""

import pickle

from django.conf import settings
from django.core.mail import get_connection
from huey.contrib.djhuey import db_task


@db_task(retries=3, retry_delay=60)
def deliver_email(payload: bytes) -> int:
    message = pickle.loads(payload)  # noqa: S301 - produced by our own TaskEmailBackend
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND)
    message.connection = connection
    return connection.send_messages([message])
