"""Planner pages for network coordinators: ask a question, watch the run, read the answer."""

import tempfile
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.context import network_view
from territory.budget import Budget, Charge, Formula, Subsidy, default_template, simulate
from territory.forms import (
    BudgetSettingsForm,
    ChargeFormSet,
    CommuteForm,
    FlowsImportForm,
    FormulaFormSet,
    PlanningForm,
)
from territory.importers import ImportFailed
from territory.mapsvg import map_data, render_map
from territory.models import PlanningRun
from territory.pdf import summary_context
from territory.planner import pct
from territory.selectors import estimate_commute, stored_flows
from territory.services import (
    RunRefused,
    import_commuting_flows,
    request_summary_pdf,
    start_planning_run,
)

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
               "today_percent": pct(result.get("today", {}).get("share", 0)),
               "map_svg": render_map(result.get("map", {}), result.get("minutes", 10)),
               "map_data": map_data(result.get("map", {}), result.get("minutes", 10)),
               "tile_url": getattr(settings, "MAP_TILE_URL", ""),
               "tile_attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", "")}
    return render(request, "territory/run.html", context)


@network_view("coordinator")
def run_summary(request, run_id):
    """One printable page for the council: key figures, map, proposed places, white zones."""
    run = _run(request, run_id)
    if run.status != "done":
        return redirect("territory_run", request.ctx.network.slug, run.pk)
    return render(request, "territory/summary.html", summary_context(run))


@network_view("coordinator")
def run_summary_pdf(request, run_id):
    """POST: render the summary as a PDF in the background; GET: download it once made."""
    run = _run(request, run_id)
    if request.method == "POST":
        try:
            request_summary_pdf(run, actor=request.user, now=timezone.now())
        except RunRefused as exc:
            messages.error(request, str(exc))
        return redirect("territory_run_summary", request.ctx.network.slug, run.pk)
    if run.summary_pdf_status != "done" or run.summary_pdf is None:
        raise Http404
    response = HttpResponse(bytes(run.summary_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="synthese-{run.pk}.pdf"'
    return response


@network_view("coordinator")
def run_progress(request, run_id):
    run = _run(request, run_id)
    return JsonResponse({"status": run.status, "progress": run.progress,
                         "label": run.progress_label, "active": run.is_active})


def _filled(formset):
    return [f.cleaned_data for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")]


@network_view("coordinator")
def budget(request):
    """Budget simulator: the PACA association template, editable line by line. Nothing is
    stored: it is a calculation an official can redo with their own figures."""
    template = default_template()
    if request.method == "POST":
        settings_form = BudgetSettingsForm(request.POST)
        charges = ChargeFormSet(request.POST, prefix="charges")
        formulas = FormulaFormSet(request.POST, prefix="formulas")
    else:
        settings_form = BudgetSettingsForm()
        charges = ChargeFormSet(prefix="charges", initial=[
            {"label": c.label, "amount": c.amount} for c in template.charges])
        formulas = FormulaFormSet(prefix="formulas", initial=[
            {"label": f.label, "members": f.members, "price": f.price, "periods": f.periods,
             "desk_days": f.desk_days.quantize(Decimal("0.001"))} for f in template.formulas])
    simulation = budget_model = None
    if request.method == "GET":
        budget_model = template
        budget_model.ramp_up = [Decimal(1)]
        simulation = simulate(budget_model, years=5)
    elif settings_form.is_valid() and charges.is_valid() and formulas.is_valid():
        data = settings_form.cleaned_data
        subsidies = []
        if data["subsidy_amount"]:
            subsidies.append(Subsidy(data["subsidy_label"] or _("Subvention"),
                                     data["subsidy_amount"], data["subsidy_years"]))
        budget_model = Budget(
            [Charge(c["label"], c["amount"]) for c in _filled(charges)],
            [Formula(f["label"], f["members"], f["price"], f["periods"], f["desk_days"])
             for f in _filled(formulas)],
            subsidies=subsidies, desks=data["desks"], open_days=data["open_days"],
            ramp_up=data["ramp_up"], charges_growth=data["charges_growth"] / 100)
        simulation = simulate(budget_model, years=data["years"])
    return render(request, "territory/budget.html", {
        "settings_form": settings_form, "charges": charges, "formulas": formulas,
        "budget": budget_model, "simulation": simulation,
        "occupancy": pct(budget_model.occupancy) if budget_model else "",
        "occupancy_target": pct(budget_model.occupancy_target) if budget_model else ""})


@network_view("coordinator")
def commute(request):
    """Commuting flows of the network (import of the INSEE file) and the commute avoided if
    some commuters worked at their nearest place: an estimate, labelled so."""
    network = request.ctx.network
    import_form, errors = FlowsImportForm(), []
    if request.method == "POST":
        import_form = FlowsImportForm(request.POST, request.FILES)
        if import_form.is_valid():
            upload = import_form.cleaned_data["file"]
            suffix = ".gz" if upload.name.endswith(".gz") else ".csv"
            with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
                for chunk in upload.chunks():
                    tmp.write(chunk)
                tmp.flush()
                try:
                    n = import_commuting_flows(network, tmp.name, actor=request.user,
                                               now=timezone.now())
                except ImportFailed as exc:
                    errors = exc.errors
                else:
                    messages.success(request, _("%(n)s flux domicile-travail importés.")
                                     % {"n": n})
                    return redirect("territory_commute", network.slug)
    flows = stored_flows(network)
    form = CommuteForm(request.GET or None)
    params = form.cleaned_data if form.is_valid() else {
        name: field.initial for name, field in form.fields.items()}
    result = None
    if flows:
        result = estimate_commute(network, flows, share=Decimal(params["share"]) / 100,
                                  days_per_week=Decimal(params["days_per_week"]),
                                  weeks=Decimal(params["weeks"]),
                                  max_minutes=float(params["max_minutes"]))
    return render(request, "territory/commute.html", {
        "import_form": import_form, "errors": errors[:50], "errors_count": len(errors),
        "form": form, "flows_count": len(flows), "result": result, "params": params})
