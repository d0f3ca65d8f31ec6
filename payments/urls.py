from django.urls import path

from payments import views

urlpatterns = [
    path("gestion/paiements/", views.payment_settings, name="payments_settings"),
    path("gestion/paiements/mandats/", views.mandates, name="payments_mandates"),
    path("gestion/paiements/mandats/<int:mandate_id>/revoquer/", views.revoke_mandate,
         name="payments_revoke_mandate"),
    path("gestion/paiements/prelevements/", views.batches, name="payments_batches"),
    path("gestion/paiements/prelevements/<int:batch_id>/", views.batch_detail,
         name="payments_batch"),
    path("gestion/paiements/prelevements/<int:batch_id>/retour/", views.batch_return,
         name="payments_batch_return"),
    path("gestion/paiements/prelevements/<int:batch_id>/pain008.xml", views.batch_xml,
         name="payments_batch_xml"),
    path("factures/<int:invoice_id>/payer-en-ligne/", views.pay_online,
         name="payments_pay_online"),
    path("paiements/retour/", views.payment_return, name="payments_return"),
    path("paiements/mon-mandat/", views.my_mandate, name="payments_my_mandate"),
]
