"""Door access in the operator's admin. Everything here is written by the application's
services (badges, controllers, kiosks, presence) or is a log (decisions, passages), so it is
read-only; the one exception is a network's access policy, which no service writes yet.
Credentials show only their hint: the value itself is never stored."""

from django.contrib import admin

from access.models import (
    AccessDecision,
    AccessPolicy,
    AllowListIssue,
    Credential,
    DoorController,
    Kiosk,
    MemberAccess,
    NoShowWarning,
    PresenceEvent,
    Visit,
)
from core.admin import ReadOnlyAdmin


@admin.register(AccessPolicy)
class AccessPolicyAdmin(admin.ModelAdmin):
    list_display = ("network", "code_margin_minutes", "unpaid_grace_days", "no_show_enabled",
                    "no_show_warning_minutes", "allow_list_hours")
    list_select_related = ("network",)


@admin.register(MemberAccess)
class MemberAccessAdmin(ReadOnlyAdmin):
    list_display = ("member", "network", "around_the_clock", "access_until", "show_presence")
    list_filter = ("network", "around_the_clock")
    list_select_related = ("member__user", "network")
    search_fields = ("member__user__email",)


@admin.register(Credential)
class CredentialAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "network", "member", "booking", "kind", "label", "is_active",
                    "valid_until", "created_at")
    list_filter = ("network", "kind", "is_active")
    list_select_related = ("network", "member__user", "booking")
    search_fields = ("member__user__email", "hint", "label")
    exclude = ("secret_hash",)


@admin.register(DoorController)
class DoorControllerAdmin(ReadOnlyAdmin):
    list_display = ("name", "site", "network", "key_id", "is_active", "last_seen_at")
    list_filter = ("network", "is_active")
    list_select_related = ("site", "network")
    search_fields = ("name", "key_id")
    exclude = ("key_salt",)


@admin.register(AllowListIssue)
class AllowListIssueAdmin(ReadOnlyAdmin):
    list_display = ("controller", "version", "entries", "issued_at", "valid_until")
    list_select_related = ("controller__site",)


@admin.register(AccessDecision)
class AccessDecisionAdmin(ReadOnlyAdmin):
    list_display = ("at", "site", "controller", "member", "allowed", "rule", "reason",
                    "origin")
    list_filter = ("network", "allowed", "rule", "origin")
    list_select_related = ("site", "controller__site", "member__user")
    date_hierarchy = "at"


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("name", "email", "site", "status", "invited_by", "created_at")
    list_filter = ("network", "status")
    list_select_related = ("site", "invited_by__user")
    search_fields = ("name", "email")


@admin.register(PresenceEvent)
class PresenceEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "site", "member", "visit", "source", "direction")
    list_filter = ("network", "source", "direction")
    list_select_related = ("site", "member__user", "visit")
    date_hierarchy = "at"


@admin.register(Kiosk)
class KioskAdmin(ReadOnlyAdmin):
    list_display = ("site", "network", "is_active", "created_at")
    list_filter = ("network", "is_active")
    list_select_related = ("site", "network")
    exclude = ("token_hash",)


@admin.register(NoShowWarning)
class NoShowWarningAdmin(ReadOnlyAdmin):
    list_display = ("booking", "release_at", "sent_at")
    list_select_related = ("booking",)
