from django.contrib import admin

from payments.models import (
    CheckoutSession,
    DirectDebitBatch,
    Mandate,
    PaymentSettings,
    ProviderEvent,
    Reminder,
)

admin.site.register(PaymentSettings)
admin.site.register(Mandate)
admin.site.register(DirectDebitBatch)
admin.site.register(CheckoutSession)
admin.site.register(Reminder)


@admin.register(ProviderEvent)
class ProviderEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "provider", "event_type", "outcome", "detail"]
    list_filter = ["provider", "outcome"]
    readonly_fields = [f.name for f in ProviderEvent._meta.fields]
