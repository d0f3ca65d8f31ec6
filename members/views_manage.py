"""The coordinator's pages about people (mounted at /r/<network>/gestion/): members, staff
roles and organisations. Objects are looked up within the request's network only."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings.selectors import member_bookings
from core.context import network_view
from members.forms_manage import MemberSearchForm, OrganisationForm, RoleForm
from members.models import Member, Role
from members.selectors import organisations_with_counts, search_members, staff_roles
from members.services import MembershipError, create_organisation, grant_role, revoke_role

PAGE_SIZE = 25
UPCOMING_LIMIT = 20


def _member(request, member_id) -> Member:
    return get_object_or_404(Member.objects.select_related("user", "organisation", "network"),
                             pk=member_id, network=request.ctx.network)


@network_view("coordinator")
def member_list(request):
    form = MemberSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(search_members(request.ctx.network, query), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "members/manage/member_list.html", {
        "form": form, "page": page, "query": query})


def _detail(request, member, role_form, status=200):
    roles = list(member.roles.select_related("site").order_by("kind", "site__name"))
    upcoming = list(member_bookings(member, now=timezone.now())[:UPCOMING_LIMIT])
    return render(request, "members/manage/member_detail.html", {
        "member": member, "roles": roles, "role_form": role_form, "upcoming": upcoming},
        status=status)


@network_view("coordinator")
def member_detail(request, member_id):
    member = _member(request, member_id)
    return _detail(request, member, RoleForm(network=request.ctx.network))


@require_POST
@network_view("coordinator")
def member_grant_role(request, member_id):
    member = _member(request, member_id)
    form = RoleForm(request.POST, network=request.ctx.network)
    if form.is_valid():
        try:
            role = grant_role(member, form.cleaned_data["kind"], site=form.cleaned_data["site"],
                              actor=request.user)
        except MembershipError as err:
            form.add_error(None, str(err))
        else:
            messages.success(request, _("%(who)s : rôle « %(role)s » attribué.") % {
                "who": member.display_name, "role": role})
            return redirect("manage_member", request.ctx.network.slug, member.pk)
    return _detail(request, member, form)


@require_POST
@network_view("coordinator")
def role_revoke(request, role_id):
    role = get_object_or_404(Role.objects.select_related("member__user", "network", "site"),
                             pk=role_id, network=request.ctx.network)
    try:
        revoke_role(role, actor=request.user)
    except MembershipError as err:
        messages.error(request, str(err))
    else:
        messages.success(request, _("%(who)s : rôle « %(role)s » retiré.") % {
            "who": role.member.display_name, "role": role})
    if request.POST.get("from") == "staff":
        return redirect("manage_staff", request.ctx.network.slug)
    return redirect("manage_member", request.ctx.network.slug, role.member_id)


@network_view("coordinator")
def staff_list(request):
    """Everyone holding a staff role in the network."""
    roles = staff_roles(request.ctx.network)
    return render(request, "members/manage/staff_list.html", {"roles": roles})


@network_view("coordinator")
def organisation_list(request):
    """Organisations of the network (employers), with a form to add one."""
    network = request.ctx.network
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = create_organisation(network, actor=request.user, **form.cleaned_data)
        except MembershipError as err:
            form.add_error("name", str(err))
        else:
            messages.success(request, _("Organisation « %(name)s » ajoutée.") % {
                "name": organisation.name})
            return redirect("manage_organisations", network.slug)
    organisations = organisations_with_counts(network)
    return render(request, "members/manage/organisation_list.html", {
        "form": form, "organisations": organisations})
