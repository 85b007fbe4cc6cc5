"""Huey tasks: thin wrappers over services."""

from huey.contrib.djhuey import db_task

from . import delivery


@db_task(retries=5, retry_delay=60)
def notification_deliver(notification_id: int) -> bool:
    return delivery.notification_deliver(notification_id=notification_id)
