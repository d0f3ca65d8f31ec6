"""Platform operators' view. Invoices, payments and the ledger are read-only here: every write
goes through billing.services (an issued invoice could not be saved anyway)."""

from django.contrib import admin

from billing import models as m

for model in (m.BillingProfile, m.PriceGroup, m.MembershipFee, m.Pass, m.UnitPrice,
              m.Discount, m.Quota):
    admin.site.register(model, list_display=("__str__", "network"), list_filter=("network",))


class TierInline(admin.TabularInline):
    model = m.PlanPriceTier
    extra = 0


@admin.register(m.Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "network", "price", "period", "allowance", "allowance_days")
    list_filter = ("network",)
    inlines = [TierInline]


class TicketCostInline(admin.TabularInline):
    model = m.TicketCost
    extra = 0


@admin.register(m.TicketBook)
class TicketBookAdmin(admin.ModelAdmin):
    list_display = ("name", "network", "tickets", "validity_months", "price")
    list_filter = ("network",)
    inlines = [TicketCostInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(m.Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "network", "kind", "status", "buyer_name", "issue_date",
                    "total_gross")
    list_filter = ("network", "kind", "status")


@admin.register(m.Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "network", "invoice", "received_on")
    list_filter = ("network", "method")


@admin.register(m.PaymentReversal)
class PaymentReversalAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "network", "reason", "reversed_on")
    list_filter = ("network", "reason")


@admin.register(m.LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("sequence", "network", "kind", "reference", "recorded_at")
    list_filter = ("network", "kind")


# What members hold: written by billing.services.holdings and booking consumption only.
@admin.register(m.Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "network", "starts_on", "ends_on", "home_site")
    list_filter = ("network",)


@admin.register(m.TicketWallet)
class TicketWalletAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "network", "tickets", "purchased_on", "valid_until")
    list_filter = ("network",)


@admin.register(m.PassPurchase)
class PassPurchaseAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "network", "valid_from", "valid_until", "price")
    list_filter = ("network",)


@admin.register(m.Consumption)
class ConsumptionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "network", "member", "day", "source", "tickets", "amount",
                    "reversed_at")
    list_filter = ("network", "source")
    list_select_related = ("member__user",)
