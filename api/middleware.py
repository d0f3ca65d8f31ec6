"""Refuse NUL characters in the URL, the query string or a JSON body, before any view runs.

PostgreSQL text cannot hold NUL (0x00): a `%00` reaching a query raised a DataError, a 500
(found by schemathesis, tests/api/test_schemathesis.py), and inside a transaction it also
broke the following queries. No legitimate input contains one. The API answers in its error
shape, other pages with a plain 400.
"""

from __future__ import annotations

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from api.v1.errors import error_body


def _has_nul(request) -> bool:
    if "\x00" in request.path or "\x00" in request.META.get("QUERY_STRING", "") \
            or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    if request.content_type == "application/json" and request.method in ("POST", "PUT",
                                                                          "PATCH"):
        body = request.body
        return b"\x00" in body or b"\\u0000" in body
    return False


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            message = _("Caractère nul interdit dans la requête.")
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("validation_error", message), status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)
