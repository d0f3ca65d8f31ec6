"""Writes of the territory planner: start a run, execute it (from the background task)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from places.models import Network
from territory.analysis import PlanningError, compute
from territory.models import CommutingFlow, PlanningRun, RunStatus

log = logging.getLogger(__name__)
# A run still "running" after this long lost its worker: it no longer blocks a new one.
STALE_AFTER = dt.timedelta(hours=1)


class RunRefused(Exception):
    pass


def start_planning_run(network, *, actor, kind: str, parameters: dict, now) -> PlanningRun:
    """Record the question and compute it in the background; one active run per network so a
    double click does not queue the same heavy work twice."""
    from territory.tasks import run_planning

    with transaction.atomic():
        Network.objects.select_for_update().filter(pk=network.pk).first()
        active = PlanningRun.objects.filter(
            network=network, status__in=[RunStatus.PENDING, RunStatus.RUNNING],
            created_at__gte=now - STALE_AFTER)
        if active.exists():
            raise RunRefused(_("Un calcul est déjà en cours pour ce réseau : attendez qu'il "
                               "se termine."))
        run = PlanningRun.objects.create(network=network, created_by=actor, created_at=now,
                                         kind=kind, parameters=parameters)
        audit.record(network=network, actor=actor, action="territory.run_started", target=run,
                     data={"kind": kind})
        transaction.on_commit(lambda: run_planning(run.pk))
    return run


def execute_planning_run(run_id: int) -> PlanningRun | None:
    """Compute a pending run, saving progress as it goes; failures are stored, not raised."""
    with transaction.atomic():
        run = (PlanningRun.objects.select_for_update().select_related("network")
               .filter(pk=run_id, status=RunStatus.PENDING).first())
        if run is None:
            return None
        run.status, run.started_at, run.progress = RunStatus.RUNNING, timezone.now(), 1
        run.save(update_fields=["status", "started_at", "progress"])

    def progress(value: int, label: str):
        run.progress, run.progress_label = value, label
        PlanningRun.objects.filter(pk=run.pk).update(progress=value, progress_label=label)

    try:
        result = compute(run.network, run.kind, run.parameters, progress)
    except PlanningError as exc:
        run.status, run.error = RunStatus.FAILED, str(exc)
    except Exception:
        log.exception("planning run %s failed", run.pk)
        run.status, run.error = RunStatus.FAILED, _("Le calcul a échoué (erreur interne).")
    else:
        run.status, run.result, run.progress = RunStatus.DONE, result, 100
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "result", "error", "progress", "finished_at"])
    return run


def request_summary_pdf(run: PlanningRun, *, actor, now) -> None:
    """Render the run's one-page summary as a PDF in the background (WeasyPrint takes a few
    seconds); only a finished run has a summary, and a PDF already being made is not redone."""
    from territory.tasks import render_summary_pdf

    with transaction.atomic():
        run = PlanningRun.objects.select_for_update().get(pk=run.pk)
        if run.status != RunStatus.DONE:
            raise RunRefused(_("Le calcul n'est pas terminé."))
        if run.summary_pdf_status in (RunStatus.PENDING, RunStatus.RUNNING):
            return
        run.summary_pdf_status = RunStatus.PENDING
        run.save(update_fields=["summary_pdf_status"])
        audit.record(network=run.network, actor=actor, action="territory.summary_pdf_requested",
                     target=run, data={})
        transaction.on_commit(lambda: render_summary_pdf(run.pk))


def build_summary_pdf(run_id: int) -> PlanningRun | None:
    """Render and store the PDF of a requested summary; failures are stored, not raised."""
    from territory.pdf import summary_document

    run = PlanningRun.objects.select_related("network").filter(
        pk=run_id, summary_pdf_status=RunStatus.PENDING).first()
    if run is None:
        return None
    PlanningRun.objects.filter(pk=run.pk).update(summary_pdf_status=RunStatus.RUNNING)
    try:
        pdf = summary_document(run).write_pdf()
    except Exception:
        log.exception("summary PDF of run %s failed", run.pk)
        run.summary_pdf_status = RunStatus.FAILED
    else:
        run.summary_pdf, run.summary_pdf_status = pdf, RunStatus.DONE
    run.save(update_fields=["summary_pdf", "summary_pdf_status"])
    return run


def import_commuting_flows(network, path, *, actor, now) -> int:
    """Replace the network's commuting flows with those of an INSEE "mobilités
    professionnelles" file. Every bad line is reported (ImportFailed) and then nothing is
    written: a partial set of flows would understate the estimate without saying so."""
    from territory.commute import read_flows

    flows = read_flows(path)  # raises ImportFailed with every bad line
    with transaction.atomic():
        CommutingFlow.objects.filter(network=network).delete()
        CommutingFlow.objects.bulk_create(
            [CommutingFlow(network=network, home_code=home, work_code=work, commuters=n,
                           imported_at=now) for (home, work), n in flows.items()],
            batch_size=2000)
        audit.record(network=network, actor=actor, action="territory.flows_imported",
                     target=network, data={"flows": len(flows)})
    return len(flows)
