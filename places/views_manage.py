"""The coordinator's pages for the network's sites and resources (mounted at
/r/<network>/gestion/). Objects are looked up within the request's network only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings.models import Booking, BookingStatus
from core.context import network_view
from members.models import Member, Organisation
from places import services
from places.forms import ResourceForm, SiteForm
from places.models import Resource, Site


def _site(request, site_id) -> Site:
    return get_object_or_404(Site.objects.select_related("network"), pk=site_id,
                             network=request.ctx.network)


def _resource(request, resource_id) -> Resource:
    return get_object_or_404(Resource.objects.select_related("site", "network"),
                             pk=resource_id, network=request.ctx.network)


def _fields(form) -> dict:
    return {name: form.cleaned_data[name] for name in form.Meta.fields}


@network_view("coordinator")
def home(request):
    """Overview of the network with links to every management page."""
    network = request.ctx.network
    counts = Site.objects.filter(network=network).aggregate(
        sites=Count("pk"), active_sites=Count("pk", filter=Q(is_active=True)))
    counts["members"] = Member.objects.filter(network=network, is_active=True).count()
    counts["organisations"] = Organisation.objects.filter(network=network).count()
    counts["pending"] = Booking.objects.filter(network=network, status=BookingStatus.PENDING,
                                               end__gt=timezone.now()).count()
    return render(request, "places/manage/home.html", {"counts": counts})


# --- Sites ------------------------------------------------------------------------------

@network_view("coordinator")
def site_list(request):
    sites = (Site.objects.filter(network=request.ctx.network)
             .annotate(resource_count=Count("resources", filter=Q(resources__is_active=True)))
             .order_by("name"))
    return render(request, "places/manage/site_list.html", {"sites": sites})


@network_view("coordinator")
def site_create(request):
    form = SiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.create_site(request.ctx.network, actor=request.user,
                                        **_fields(form))
        except ValidationError as err:
            form.add_error(None, err)
        else:
            messages.success(request, _("Lieu « %(name)s » créé. Indiquez ses horaires "
                                        "d'ouverture et ses ressources.") % {"name": site.name})
            return redirect("manage_resources", request.ctx.network.slug, site.pk)
    return render(request, "places/manage/site_form.html", {"form": form, "site": None})


@network_view("coordinator")
def site_edit(request, site_id):
    site = _site(request, site_id)
    # The form works on its own copy: a refused edit leaves `site` as stored.
    form = SiteForm(request.POST or None, instance=_site(request, site_id))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_site(site, actor=request.user, **_fields(form))
        except ValidationError as err:
            form.add_error(None, err)
        else:
            messages.success(request, _("Lieu « %(name)s » enregistré.") % {"name": site.name})
            return redirect("manage_sites", request.ctx.network.slug)
    return render(request, "places/manage/site_form.html", {"form": form, "site": site})


# --- Resources --------------------------------------------------------------------------

@network_view("coordinator")
def resource_list(request, site_id):
    site = _site(request, site_id)
    resources = Resource.objects.filter(site=site).order_by("-is_active", "kind", "name")
    return render(request, "places/manage/resource_list.html", {
        "site": site, "resources": resources})


@network_view("coordinator")
def resource_create(request, site_id):
    site = _site(request, site_id)
    form = ResourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.create_resource(site, actor=request.user, **_fields(form))
        except ValidationError as err:
            form.add_error(None, err)
        else:
            messages.success(request, _("Ressource « %(name)s » créée.") % {
                "name": resource.name})
            return redirect("manage_resources", request.ctx.network.slug, site.pk)
    return render(request, "places/manage/resource_form.html", {
        "form": form, "site": site, "resource": None})


@network_view("coordinator")
def resource_edit(request, resource_id):
    resource = _resource(request, resource_id)
    form = ResourceForm(request.POST or None, instance=_resource(request, resource_id))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_resource(resource, actor=request.user, now=timezone.now(),
                                     **_fields(form))
        except ValidationError as err:
            form.add_error(None, err)
        else:
            messages.success(request, _("Ressource « %(name)s » enregistrée.") % {
                "name": resource.name})
            return redirect("manage_resources", request.ctx.network.slug, resource.site_id)
    return render(request, "places/manage/resource_form.html", {
        "form": form, "site": resource.site, "resource": resource})


@require_POST
@network_view("coordinator")
def resource_set_active(request, resource_id, active: bool):
    resource = _resource(request, resource_id)
    services.set_resource_active(resource, active=active, actor=request.user)
    messages.success(request, (_("« %(name)s » est de nouveau réservable.") if active else
                               _("« %(name)s » est désactivée : plus de nouvelles réservations ; "
                                 "les réservations existantes sont conservées."))
                     % {"name": resource.name})
    return redirect("manage_resources", request.ctx.network.slug, resource.site_id)
