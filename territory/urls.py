from django.urls import path

from territory import views

urlpatterns = [
    path("", views.planner, name="territory_planner"),
    path("calculs/<int:run_id>/", views.run_detail, name="territory_run"),
    path("calculs/<int:run_id>/avancement/", views.run_progress,
         name="territory_run_progress"),
    path("calculs/<int:run_id>/synthese/", views.run_summary, name="territory_run_summary"),
    path("calculs/<int:run_id>/synthese/pdf/", views.run_summary_pdf,
         name="territory_run_summary_pdf"),
    path("navettes/", views.commute, name="territory_commute"),
    path("budget/", views.budget, name="territory_budget"),
]
