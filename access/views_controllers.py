"""Door controllers of a network, for its coordinators (/r/<network>/gestion/portes/): the
list with when each was last heard of, registering one (its secret key is shown once, to be
copied into the device's configuration) and disabling one."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import services
from access.forms import ControllerForm
from access.models import DoorController
from core.context import network_view
from places.models import Site

NEW_KEY_SESSION = "access_new_controller_key"


def _list_url(network) -> str:
    return reverse("access_controllers", args=[network.slug])


@network_view("coordinator")
def controller_list(request):
    ctx = request.ctx
    sites = Site.objects.filter(network=ctx.network).order_by("name")
    form = ControllerForm(request.POST or None, sites=sites)
    if request.method == "POST" and form.is_valid():
        controller, secret = services.register_controller(
            form.cleaned_data["site"], form.cleaned_data["name"], actor=request.user)
        # Shown once, on the next page, then forgotten (the server only keeps a salt).
        request.session[NEW_KEY_SESSION] = {"id": controller.pk, "key_id": controller.key_id,
                                            "secret": secret}
        return redirect(_list_url(ctx.network))
    controllers = list(DoorController.objects.filter(network=ctx.network)
                       .select_related("site"))
    return render(request, "access/manage/controllers.html", {
        "controllers": controllers, "form": form,
        "new_key": request.session.pop(NEW_KEY_SESSION, None),
        "server_url": request.build_absolute_uri("/").rstrip("/"),
    })


@require_POST
@network_view("coordinator")
def disable(request, controller_id):
    ctx = request.ctx
    controller = get_object_or_404(DoorController.objects.select_related("site", "network"),
                                   pk=controller_id, network=ctx.network)
    if controller.is_active:
        services.disable_controller(controller, actor=request.user)
        messages.success(request, _("Contrôleur « %(name)s » désactivé : ses requêtes sont "
                                    "désormais refusées.") % {"name": controller.name})
    return redirect(_list_url(ctx.network))
