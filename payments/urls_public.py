from django.urls import path

from payments import views

urlpatterns = [
    path("paiements/webhooks/<slug:provider_name>/", views.webhook, name="payments_webhook"),
]
