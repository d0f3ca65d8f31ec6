from django.urls import path

from places import views

urlpatterns = [
    path("", views.network_home, name="network_home"),
    path("lieux/<slug:site_slug>/", views.site_detail, name="site_detail"),
]
