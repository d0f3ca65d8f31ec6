"""The coordinator's catalogue pages, mounted at /r/<network>/gestion/catalogue/.

A product family is named in French in the URL (`abonnements`, `carnets`…) and in English in
the code (`plan`, `ticket_book`…); the `family` converter maps one to the other."""

from django.urls import path, register_converter

from billing import views_catalogue as views


class FamilyConverter:
    by_path = {f.path: f.key for f in views.FAMILIES.values()}
    by_key = {f.key: f.path for f in views.FAMILIES.values()}
    regex = "|".join(sorted(by_path, key=len, reverse=True))

    def to_python(self, value):
        return self.by_path[value]

    def to_url(self, value):
        try:
            return self.by_key[value]
        except KeyError:
            raise ValueError(value) from None


register_converter(FamilyConverter, "family")

urlpatterns = [
    path("", views.overview, name="catalogue"),
    path("facturation/", views.profile_edit, name="catalogue_profile"),
    path("<family:family>/nouveau/", views.item_create, name="catalogue_item_create"),
    path("<family:family>/<int:item_id>/", views.item_edit, name="catalogue_item_edit"),
    path("<family:family>/<int:item_id>/retirer/", views.item_set_active, {"active": False},
         name="catalogue_item_withdraw"),
    path("<family:family>/<int:item_id>/remettre/", views.item_set_active, {"active": True},
         name="catalogue_item_restore"),
    path("<family:family>/<int:item_id>/supprimer/", views.item_delete,
         name="catalogue_item_delete"),
    path("remises/<int:item_id>/terminer/", views.discount_end, name="catalogue_discount_end"),
]
