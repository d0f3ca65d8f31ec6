"""Background computation of planner runs (huey), so a long run never blocks the pages."""

from huey.contrib.djhuey import db_task

from territory.services import build_summary_pdf, execute_planning_run


@db_task()
def run_planning(run_id: int) -> None:
    execute_planning_run(run_id)


@db_task()
def render_summary_pdf(run_id: int) -> None:
    build_summary_pdf(run_id)
