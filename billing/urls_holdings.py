"""Holdings pages, mounted under /r/<network>/: the member's "Mes droits" and the staff's
pages under accueil/droits/."""

from django.urls import path

from billing import views_holdings as views

urlpatterns = [
    path("mes-droits/", views.my_holdings, name="billing_my_holdings"),
    path("accueil/droits/", views.staff_members, name="billing_staff_members"),
    path("accueil/droits/membres/<int:member_id>/", views.staff_member,
         name="billing_staff_member"),
    path("accueil/droits/abonnements/<int:subscription_id>/", views.staff_subscription,
         name="billing_staff_subscription"),
    path("accueil/droits/groupes/<int:membership_id>/fin/", views.staff_leave_group,
         name="billing_staff_leave_group"),
]
