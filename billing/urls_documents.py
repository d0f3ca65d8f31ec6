from django.urls import path

from billing import views_documents as views

urlpatterns = [
    path("factures/<int:invoice_id>/pdf/", views.member_invoice_pdf,
         name="billing_member_invoice_pdf"),
    path("accueil/factures/<int:invoice_id>/pdf/", views.staff_invoice_pdf,
         name="billing_staff_invoice_pdf"),
    path("gestion/comptabilite/", views.accounting_exports, name="billing_accounting_exports"),
]
