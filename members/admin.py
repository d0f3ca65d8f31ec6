"""People in the admin: users, memberships, staff roles, organisations and API tokens."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from core.admin import ServiceAdmin
from members import services
from members.models import ApiToken, Member, Organisation, Role, User


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_active", "is_superuser",
                    "last_login")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name")}),
        (_("Droits sur la plateforme"), {"fields": ("is_active", "is_staff", "is_superuser",
                                                    "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2")}),
    )


@admin.register(Member)
class MemberAdmin(ServiceAdmin):
    refusals = (services.MembershipError,)
    list_display = ("display_name", "email", "network", "status", "organisation", "is_active",
                    "joined_at")
    list_filter = ("network", "status", "is_active")
    search_fields = ("user__email", "user__first_name", "user__last_name", "employer_name",
                     "home_commune")
    list_select_related = ("user", "network", "organisation")
    autocomplete_fields = ("user", "organisation")

    @admin.display(description=_("e-mail"), ordering="user__email")
    def email(self, member):
        return member.user.email

    def get_fields(self, request, obj=None):
        fields = ("user", "network", *services.PROFILE_FIELDS)
        return fields + ("is_active", "calendar_token") if obj else fields

    def get_readonly_fields(self, request, obj=None):
        # Leaving a network has no service yet: is_active is shown, not edited here.
        return ("user", "network", "is_active", "calendar_token") if obj else ()

    def write(self, request, form, change):
        profile = {name: form.cleaned_data[name] for name in services.PROFILE_FIELDS}
        if change:
            member = Member.objects.select_related("user", "network").get(pk=form.instance.pk)
            return services.update_profile(member, actor=request.user, **profile)
        if profile["organisation"] is not None and (
                profile["organisation"].network_id != form.cleaned_data["network"].pk):
            raise services.MembershipError(_("Organisation inconnue dans ce réseau."))
        return services.join_network(form.cleaned_data["user"], form.cleaned_data["network"],
                                     actor=request.user, **profile)

    def has_delete_permission(self, request, obj=None):
        return False  # bookings and history point at the membership


@admin.register(Role)
class RoleAdmin(ServiceAdmin):
    refusals = (services.MembershipError,)
    list_display = ("member", "kind", "site", "network")
    list_filter = ("network", "kind")
    search_fields = ("member__user__email", "site__name")
    list_select_related = ("member__user", "site", "network")
    fields = ("member", "kind", "site")
    autocomplete_fields = ("member", "site")

    def write(self, request, form, change):
        data = form.cleaned_data
        return services.grant_role(data["member"], data["kind"], site=data["site"],
                                   actor=request.user)

    def has_change_permission(self, request, obj=None):
        return False  # revoke and grant again

    def _revoke(self, request, role):
        try:
            services.revoke_role(role, actor=request.user)
        except services.MembershipError as err:
            self.message_user(request, str(err), messages.ERROR)

    def delete_model(self, request, obj):
        self._revoke(request, obj)

    def delete_queryset(self, request, queryset):
        for role in queryset.select_related("member", "network"):
            self._revoke(request, role)


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ("network", "name", "siret", "billing_email", "address")


@admin.register(Organisation)
class OrganisationAdmin(ServiceAdmin):
    refusals = (services.MembershipError,)
    form = OrganisationForm
    list_display = ("name", "network", "siret", "billing_email")
    list_filter = ("network",)
    search_fields = ("name", "siret")
    list_select_related = ("network",)

    def get_readonly_fields(self, request, obj=None):
        return ("network",) if obj else ()

    def write(self, request, form, change):
        data = form.cleaned_data
        if change:
            # No update service yet: the details of an organisation are not business rules.
            organisation = Organisation.objects.get(pk=form.instance.pk)
            for name in ("name", "siret", "billing_email", "address"):
                setattr(organisation, name, data[name])
            organisation.full_clean()
            organisation.save()
            return organisation
        return services.create_organisation(
            data["network"], name=data["name"], actor=request.user, siret=data["siret"],
            billing_email=data["billing_email"], address=data["address"])


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by `manage.py create_api_token` (the key is shown once); the admin
    lists them and revokes them by deletion."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at")
    search_fields = ("name", "user__email", "prefix")
    list_select_related = ("user",)
    readonly_fields = ("name", "user", "prefix", "created_at", "last_used_at")
    exclude = ("key_hash",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
