from django.shortcuts import render

from members.selectors import networks_of
from places.models import Network


def home(request):
    """Entry page: the networks I belong to, and those I may join."""
    mine = list(networks_of(request.user))
    joinable = Network.objects.filter(open_registration=True).exclude(
        pk__in=[n.pk for n in mine])
    return render(request, "core/home.html", {"mine": mine, "joinable": joinable})
