from django.urls import path

from billing import views_monthend as views

urlpatterns = [
    path("", views.month_end, name="billing_month_end"),
    path("<int:billing_run_id>/", views.run_detail, name="billing_month_end_run"),
    path("<int:billing_run_id>/avancement/", views.run_progress, name="billing_month_end_progress"),
]
