from django.urls import include, path

from billing import views

urlpatterns = [
    path("factures/", views.my_invoices, name="billing_my_invoices"),
    path("accueil/factures/", views.staff_invoices, name="billing_staff_invoices"),
    path("accueil/factures/<int:invoice_id>/paiement/", views.payment_form,
         name="billing_payment_form"),
    path("accueil/factures/<int:invoice_id>/paiements/", views.invoice_payments,
         name="billing_invoice_payments"),
    path("", include("billing.urls_documents")),
    path("gestion/catalogue/", include("billing.urls_catalogue")),
]
