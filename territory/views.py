"""Planner pages for network coordinators: ask a question, watch the run, read the answer."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from core.context import network_view
from territory.forms import PlanningForm
from territory.models import PlanningRun
from territory.planner import pct
from territory.services import RunRefused, start_planning_run

RECENT_RUNS = 10


@network_view("coordinator")
def planner(request):
    network = request.ctx.network
    form = PlanningForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            run = start_planning_run(network, actor=request.user, kind=data.pop("kind"),
                                     parameters=data, now=timezone.now())
        except RunRefused as exc:
            messages.error(request, str(exc))
            return redirect("territory_planner", network.slug)
        return redirect("territory_run", network.slug, run.pk)
    runs = PlanningRun.objects.filter(network=network)[:RECENT_RUNS]
    return render(request, "territory/planner.html", {"form": form, "runs": runs})


def _run(request, run_id) -> PlanningRun:
    return get_object_or_404(PlanningRun, pk=run_id, network=request.ctx.network)


@network_view("coordinator")
def run_detail(request, run_id):
    run = _run(request, run_id)
    result = run.result or {}
    scope = result.get("plan") or result.get("today") or {}
    context = {"run": run, "result": result, "zones": scope.get("white_zones", []),
               "zones_count": scope.get("white_zones_count", 0),
               "today_percent": pct(result.get("today", {}).get("share", 0))}
    return render(request, "territory/run.html", context)


@network_view("coordinator")
def run_progress(request, run_id):
    run = _run(request, run_id)
    return JsonResponse({"status": run.status, "progress": run.progress,
                         "label": run.progress_label, "active": run.is_active})
