from django.contrib import admin
from django.urls import include, path

from core import views as core_views

# Pages of one network live under /r/<network>/; each view checks membership and roles
# through core.context.network_view.
network_patterns = [
    path("", include("places.urls")),
    path("", include("members.urls")),
    path("", include("bookings.urls")),
    path("accueil/", include("bookings.urls_staff")),
    path("gestion/", include("places.urls_manage")),
    path("gestion/", include("members.urls_manage")),
    path("territoire/", include("territory.urls")),
    path("", include("access.urls")),
    path("", include("billing.urls")),
    path("", include("billing.urls_holdings")),
    path("accueil/facturation/", include("billing.urls_monthend")),
    path("", include("payments.urls")),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("admin/", admin.site.urls),
    path("comptes/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("r/<slug:network_slug>/", include(network_patterns)),
    path("", include("bookings.urls_public")),
    path("api/access/v1/", include("access.urls_api")),
    path("", include("access.urls_public")),
    path("api/", include("api.urls")),
    path("", include("directory.urls")),
    path("", include("payments.urls_public")),
]
