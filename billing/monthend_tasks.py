"""Background execution of month-end runs (huey): web requests never wait on invoicing.

Registered with the worker by `BillingConfig.ready()` (huey discovers `tasks` modules only).
"""

from huey.contrib.djhuey import db_task


@db_task()
def execute_billing_run_task(run_id: int) -> None:
    from billing.services.monthend import execute_billing_run

    execute_billing_run(run_id)
