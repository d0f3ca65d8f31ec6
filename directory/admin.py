from django.contrib import admin

from directory.models import GuestBookingRequest


@admin.register(GuestBookingRequest)
class GuestBookingRequestAdmin(admin.ModelAdmin):
    list_display = ("guest_email", "resource", "start", "status", "created_at", "expires_at")
    list_filter = ("status", "network")
    search_fields = ("guest_email", "guest_name")
    raw_id_fields = ("resource", "booking")
    readonly_fields = ("created_at", "confirmed_at", "ip_address")
