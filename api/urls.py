from django.http import JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _

from api.v1 import api as api_v1
from api.v1.errors import error_body


def unknown_endpoint(request, rest=""):
    """Unknown paths under /api/ answer in the API's error shape, not with an HTML page."""
    return JsonResponse(error_body("not_found", _("Point d'accès inconnu.")), status=404)


urlpatterns = [
    path("v1/", api_v1.urls),
    re_path(r"^(?P<rest>.*)$", unknown_endpoint),
]
