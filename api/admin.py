from django.contrib import admin

from api.models import NetworkApiKey


@admin.register(NetworkApiKey)
class NetworkApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "network", "prefix", "is_active", "created_at", "last_used_at")
    list_filter = ("network", "is_active")
    readonly_fields = ("key_hash", "prefix", "created_at", "last_used_at")
