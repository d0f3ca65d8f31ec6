from django.contrib import admin

from territory.models import Commune, CommutingFlow, ExternalPlace, PlanningRun


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ("insee_code", "name", "kind", "population", "epci_name", "department",
                    "latitude", "longitude", "coordinates_source", "mountain")
    list_filter = ("kind", "coordinates_source", "mountain", "department")
    search_fields = ("insee_code", "name", "search_name", "postcodes", "epci_name")


@admin.register(ExternalPlace)
class ExternalPlaceAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "insee_code", "typology", "source")
    list_filter = ("source",)
    search_fields = ("name", "city", "insee_code")


@admin.register(PlanningRun)
class PlanningRunAdmin(admin.ModelAdmin):
    list_display = ("network", "kind", "status", "progress", "created_at", "created_by")
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in PlanningRun._meta.fields]


@admin.register(CommutingFlow)
class CommutingFlowAdmin(admin.ModelAdmin):
    list_display = ("network", "home_code", "work_code", "commuters", "imported_at")
    list_filter = ("network",)
    search_fields = ("home_code", "work_code")
