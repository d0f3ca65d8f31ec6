"""Bookings in the admin: added through book_resource, cancelled through cancel_booking, never
edited nor deleted (a booking's span, resource and holder only change by cancel and rebook)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bookings.errors import BookingError
from bookings.models import Booking, BookingSeries, BookingSource
from bookings.services import book_resource, cancel_booking, span_for
from core.admin import ReadOnlyAdmin, ServiceAdmin
from places.schedule import SiteSchedule


class BookingAddForm(forms.ModelForm):
    day = forms.DateField(label=_("date"))
    slot = forms.ChoiceField(label=_("créneau"), required=False, choices=[
        ("", _("— heures ci-dessous —")), ("morning", _("matin")),
        ("afternoon", _("après-midi")), ("day", _("journée"))])
    start_time = forms.TimeField(label=_("début (heure locale)"), required=False)
    end_time = forms.TimeField(label=_("fin (heure locale)"), required=False)

    class Meta:
        model = Booking
        fields = ("resource", "member", "guest_name", "guest_email", "seats", "note")


@admin.register(Booking)
class BookingAdmin(ServiceAdmin):
    refusals = (BookingError,)
    add_form = BookingAddForm
    add_fieldsets = (
        (None, {"fields": ("resource", ("day", "slot"), ("start_time", "end_time"), "seats")}),
        (_("Pour qui"), {"fields": ("member", ("guest_name", "guest_email"), "note")}),
    )
    list_display = ("start", "end", "resource", "site", "network", "holder", "seats", "status",
                    "source")
    list_filter = ("status", "source", "network", "site")
    search_fields = ("member__user__email", "member__user__last_name", "guest_name",
                     "guest_email", "resource__name", "note")
    list_select_related = ("resource", "site", "network", "member__user")
    date_hierarchy = "start"
    autocomplete_fields = ("resource", "member")
    actions = ("cancel_selected",)

    @admin.display(description=_("pour"))
    def holder(self, booking):
        return booking.holder_name

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def write(self, request, form, change):
        data = form.cleaned_data
        resource = data["resource"]
        schedule = SiteSchedule(resource.site)
        start, end = span_for(schedule, data["day"], slot=data["slot"] or None,
                              start_time=data["start_time"], end_time=data["end_time"])
        return book_resource(
            data["member"], resource, start=start, end=end, actor=request.user,
            seats=data["seats"] or 1, source=BookingSource.ADMIN, by_staff=True,
            guest_name=data["guest_name"], guest_email=data["guest_email"], note=data["note"],
            schedule=schedule)

    def has_change_permission(self, request, obj=None):
        return False  # view only: span, resource and holder change by cancelling and rebooking

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: the row is the history

    @admin.action(description=_("Annuler les réservations sélectionnées"))
    def cancel_selected(self, request, queryset):
        cancelled = 0
        for booking in queryset.select_related("resource", "network"):
            try:
                cancel_booking(booking, actor=request.user, by_staff=True,
                               reason="admin")
            except BookingError as err:
                self.message_user(request, f"{booking} : {err.message}", messages.WARNING)
            else:
                cancelled += 1
        if cancelled:
            self.message_user(request, ngettext("%(n)d réservation annulée.",
                                                "%(n)d réservations annulées.", cancelled)
                              % {"n": cancelled}, messages.SUCCESS)


@admin.register(BookingSeries)
class BookingSeriesAdmin(ReadOnlyAdmin):
    list_display = ("description", "resource", "member", "network", "created_by", "created_at")
    list_filter = ("network",)
    search_fields = ("description", "member__user__email", "resource__name")
    list_select_related = ("resource__site", "member__user", "network", "created_by")
