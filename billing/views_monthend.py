"""Staff page "Facturation de fin de mois": choose a month, preview, run, follow progress."""

import datetime as dt

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from billing.forms_monthend import MonthEndForm
from billing.models import BillingRun, BillingRunStatus
from billing.services.monthend import RunRefused, start_billing_run
from core.context import network_view

ACTIVE = (BillingRunStatus.QUEUED, BillingRunStatus.RUNNING)


def _previous_month(today: dt.date) -> str:
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.strftime("%Y-%m")


@network_view("staff")
def month_end(request):
    """GET: the month form and the last runs; POST: start a preview or the real run."""
    ctx = request.ctx
    now = timezone.now()
    form = MonthEndForm(request.POST or None,
                        initial={"month": _previous_month(now.astimezone(ctx.network.tz).date())})
    if request.method == "POST" and form.is_valid():
        try:
            run = start_billing_run(ctx.network, month=form.cleaned_data["month"],
                                    preview=request.POST.get("action") != "run",
                                    actor=request.user, now=now)
        except RunRefused as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("billing_month_end_run", ctx.network.slug, run.pk)
    runs = BillingRun.objects.filter(network=ctx.network).order_by("-created_at")[:12]
    return render(request, "billing/month_end.html",
                  {"network": ctx.network, "form": form, "runs": list(runs)})


def _run(request, billing_run_id) -> BillingRun:
    return get_object_or_404(BillingRun, network=request.ctx.network, pk=billing_run_id)


@network_view("staff")
def run_detail(request, billing_run_id):
    run = _run(request, billing_run_id)
    percent = (100 * run.processed_accounts // run.total_accounts) if run.total_accounts else 0
    return render(request, "billing/month_end_run.html", {
        "network": request.ctx.network, "run": run, "active": run.status in ACTIVE,
        "percent": percent, "summary": run.summary or {},
        "month": run.period_start.strftime("%Y-%m")})


@network_view("staff")
def run_progress(request, billing_run_id):
    run = _run(request, billing_run_id)
    return JsonResponse({"status": run.status, "processed": run.processed_accounts,
                         "total": run.total_accounts, "active": run.status in ACTIVE})
