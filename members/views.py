from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.context import network_view
from members.forms import ProfileForm
from members.selectors import member_of
from members.services import MembershipError, join_network, update_profile
from places.models import Network


@login_required
def join(request, network_slug):
    """Join an open network, filling the profile the network needs."""
    network = get_object_or_404(Network, slug=network_slug)
    if member_of(request.user, network):
        return redirect("network_home", network.slug)
    if not network.open_registration:
        raise Http404
    form = ProfileForm(request.POST or None, network=network, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            member = join_network(request.user, network)
            update_profile(member, actor=request.user,
                           first_name=form.cleaned_data["first_name"],
                           last_name=form.cleaned_data["last_name"], **form.profile_data())
        except MembershipError as err:
            form.add_error(None, str(err))
        else:
            messages.success(request, _("Bienvenue dans le réseau %(name)s !") % {
                "name": network.name})
            return redirect("network_home", network.slug)
    return render(request, "members/join.html", {"network": network, "form": form})


@network_view()
def profile(request):
    ctx = request.ctx
    form = ProfileForm(request.POST or None, instance=ctx.member, network=ctx.network,
                       user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            update_profile(ctx.member, actor=request.user,
                           first_name=form.cleaned_data["first_name"],
                           last_name=form.cleaned_data["last_name"], **form.profile_data())
        except MembershipError as err:
            form.add_error(None, str(err))
        else:
            messages.success(request, _("Profil enregistré."))
            return redirect("profile", ctx.network.slug)
    return render(request, "members/profile.html", {"network": ctx.network, "form": form})
