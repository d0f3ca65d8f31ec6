"""Networks, sites and resources in the admin, written through places.services where a service
exists. Sites, resources and networks are not deleted here: deleting a site would delete its
bookings; deactivate it instead."""

from django.contrib import admin
from django.db import models
from django.utils import timezone

from core.admin import ReadOnlyAdmin, ServiceAdmin
from places import services
from places.models import (
    Network,
    OpeningException,
    OpeningHours,
    Resource,
    ResourceBlock,
    Site,
)


def _fields(form, names) -> dict:
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    # No service writes networks yet: the operator creates them here.
    list_display = ("name", "slug", "city", "email", "open_registration", "created_at")
    list_filter = ("open_registration",)
    search_fields = ("name", "slug", "legal_name", "siren", "city")
    prepopulated_fields = {"slug": ("name",)}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Site)
class SiteAdmin(ServiceAdmin):
    list_display = ("name", "network", "city", "insee_code", "is_active")
    list_filter = ("network", "is_active")
    search_fields = ("name", "slug", "city", "insee_code")
    list_select_related = ("network",)
    prepopulated_fields = {"slug": ("name",)}

    def get_readonly_fields(self, request, obj=None):
        return ("network",) if obj else ()

    def write(self, request, form, change):
        fields = _fields(form, services.SITE_FIELDS)
        if change:
            site = Site.objects.select_related("network").get(pk=form.instance.pk)
            return services.update_site(site, actor=request.user, **fields)
        return services.create_site(form.cleaned_data["network"], actor=request.user, **fields)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Resource)
class ResourceAdmin(ServiceAdmin):
    list_display = ("name", "site", "network", "kind", "seats", "booking_unit", "is_active")
    list_filter = ("network", "kind", "booking_unit", "is_active")
    search_fields = ("name", "site__name")
    list_select_related = ("site", "network")
    exclude = ("network",)  # always the site's

    def get_readonly_fields(self, request, obj=None):
        return ("site",) if obj else ()

    def write(self, request, form, change):
        fields = _fields(form, services.RESOURCE_FIELDS)
        if change:
            resource = Resource.objects.select_related("network").get(pk=form.instance.pk)
            return services.update_resource(resource, actor=request.user, now=timezone.now(),
                                            **fields)
        return services.create_resource(form.cleaned_data["site"], actor=request.user, **fields)

    def has_delete_permission(self, request, obj=None):
        return False


class AddOrRemoveAdmin(ServiceAdmin):
    """Rows that are added and removed through services, never edited."""

    def has_change_permission(self, request, obj=None):
        return False

    def remove(self, request, obj):
        raise NotImplementedError

    def delete_model(self, request, obj):
        self.remove(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.remove(request, obj)


@admin.register(ResourceBlock)
class ResourceBlockAdmin(AddOrRemoveAdmin):
    list_display = ("resource", "start", "end", "reason", "network", "created_by")
    list_filter = ("network",)
    search_fields = ("resource__name", "reason")
    list_select_related = ("resource__site", "network", "created_by")
    fields = ("resource", "start", "end", "reason")
    autocomplete_fields = ("resource",)
    date_hierarchy = "start"

    def write(self, request, form, change):
        data = form.cleaned_data
        return services.block_resource(data["resource"], start=data["start"], end=data["end"],
                                       actor=request.user, reason=data["reason"])

    def remove(self, request, obj):
        services.unblock(obj, actor=request.user)


@admin.register(OpeningException)
class OpeningExceptionAdmin(AddOrRemoveAdmin):
    list_display = ("site", "start_date", "end_date", "closed", "opens", "closes", "reason")
    list_filter = ("network", "closed")
    search_fields = ("site__name", "reason")
    list_select_related = ("site",)
    fields = ("site", "start_date", "end_date", "closed", "opens", "closes", "reason")

    def write(self, request, form, change):
        data = form.cleaned_data
        return services.add_opening_exception(
            data["site"], start_date=data["start_date"], end_date=data["end_date"],
            actor=request.user, closed=data["closed"], opens=data["opens"],
            closes=data["closes"], reason=data["reason"])

    def remove(self, request, obj):
        services.remove_opening_exception(obj, actor=request.user)


@admin.register(OpeningHours)
class OpeningHoursAdmin(ReadOnlyAdmin):
    # A week is replaced as a whole (services.set_weekly_hours) from the network's "gestion"
    # pages; the admin only shows it.
    list_display = ("site", "weekday", "opens", "closes")
    list_filter = ("network", "weekday")
    search_fields = ("site__name",)
    list_select_related = ("site",)

