"""The Django admin is for the platform operator (superusers). It writes through the same
services as every other path: `ServiceAdmin` runs the service while the form is validated, so
a refusal is shown on the form like any other error and nothing is written."""

from django.contrib import admin
from django.core.exceptions import ValidationError

from core.models import AuditLog


def add_refusal(form, err) -> None:
    """Show a service's refusal on the form, next to the field when it names one."""
    if isinstance(err, ValidationError) and hasattr(err, "error_dict"):
        for name, errors in err.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    elif isinstance(err, ValidationError):
        form.add_error(None, err.messages)
    else:
        message = err.full_message() if hasattr(err, "full_message") else str(err)
        form.add_error(None, message)


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose add and change forms write through `write()`.

    The form checks each field on its own (types, required, lengths); instead of the model's
    validation, the service then runs and is the one judge of the rest, with its own messages.
    It runs inside the transaction the admin opens for the whole request; a refusal (one of
    `refusals`) becomes a form error. The saved object is handed back to the admin, which only
    logs it. No inlines: their formsets would be validated after the write.
    """

    # The service's own refusal types; Django's ValidationError is always caught too.
    refusals: tuple[type[Exception], ...] = ()

    def write(self, request, form, change: bool):
        raise NotImplementedError

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceForm(base):
            def _post_clean(self):
                if self._errors:
                    return
                try:
                    self.written = model_admin.write(request, self, change)
                except (ValidationError, *model_admin.refusals) as err:
                    add_refusal(self, err)

        ServiceForm.__name__ = base.__name__
        return ServiceForm

    def save_form(self, request, form, change):
        return form.written

    def save_model(self, request, obj, form, change):
        pass  # already written by the service while the form was validated

    def save_related(self, request, form, formsets, change):
        pass


class ReadOnlyAdmin(admin.ModelAdmin):
    """Visible to the operator, written only by the application."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "network", "actor", "action", "target_type", "target_id")
    list_filter = ("network", "action", "target_type")
    search_fields = ("action", "target_id", "actor__email")
    list_select_related = ("network", "actor")
    date_hierarchy = "created_at"
