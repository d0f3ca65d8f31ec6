from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import Member, Organisation
from payments.errors import PaymentsError
from payments.models import PaymentSettings
from payments.sepa import REJECT_REASONS, clean_bic, clean_creditor_id, clean_iban


class SettingsForm(forms.ModelForm):
    reminder_days = forms.CharField(
        label=gettext_lazy("Relances (jours après l'échéance)"), required=False,
        help_text=gettext_lazy("Séparés par des virgules, par ex. 7, 30 ; vide : aucune "
                               "relance."))

    class Meta:
        model = PaymentSettings
        fields = ["creditor_name", "creditor_id", "creditor_iban", "creditor_bic",
                  "reminder_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["reminder_days"] = ", ".join(
                str(d) for d in self.instance.reminder_days or [])

    def _clean_with(self, name, cleaner):
        value = self.cleaned_data[name]
        if not value:
            return ""
        try:
            return cleaner(value)
        except PaymentsError as err:
            raise forms.ValidationError(err.message) from err

    def clean_creditor_id(self):
        return self._clean_with("creditor_id", clean_creditor_id)

    def clean_creditor_iban(self):
        return self._clean_with("creditor_iban", clean_iban)

    def clean_creditor_bic(self):
        return self._clean_with("creditor_bic", clean_bic)

    def clean_reminder_days(self):
        raw = self.cleaned_data["reminder_days"]
        days = []
        for part in raw.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or not 1 <= int(part) <= 365:
                raise forms.ValidationError(
                    _("« %(value)s » n'est pas un nombre de jours entre 1 et 365.")
                    % {"value": part})
            days.append(int(part))
        return sorted(set(days))


class MandateForm(forms.Form):
    member = forms.ModelChoiceField(label=gettext_lazy("Membre"), queryset=Member.objects.none(),
                                    required=False)
    organisation = forms.ModelChoiceField(label=gettext_lazy("ou organisation"),
                                          queryset=Organisation.objects.none(), required=False)
    debtor_name = forms.CharField(label=gettext_lazy("Titulaire du compte"), max_length=70)
    iban = forms.CharField(label=gettext_lazy("IBAN"), max_length=42)
    bic = forms.CharField(label=gettext_lazy("BIC"), max_length=14)
    rum = forms.CharField(label=gettext_lazy("RUM"), max_length=35, required=False,
                          help_text=gettext_lazy("Référence unique du mandat ; vide : créée "
                                                 "automatiquement."))
    signed_on = forms.DateField(label=gettext_lazy("Signé le"),
                                widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.filter(
            network=network, is_active=True).select_related("user").order_by("user__email")
        self.fields["member"].label_from_instance = lambda m: (
            f"{m.user.get_full_name() or m.user.email} ({m.user.email})")
        self.fields["organisation"].queryset = Organisation.objects.filter(network=network)

    def clean(self):
        data = super().clean()
        if bool(data.get("member")) == bool(data.get("organisation")):
            raise forms.ValidationError(_("Choisissez un membre ou une organisation (un seul)."))
        return data


class BatchForm(forms.Form):
    collection_date = forms.DateField(label=gettext_lazy("Date de prélèvement"),
                                      widget=forms.DateInput(attrs={"type": "date"}))


class CollectForm(forms.Form):
    """One optional reject reason per item of the batch."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        choices = [("", gettext_lazy("encaissé"))] + list(REJECT_REASONS)
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=f"{item.invoice.number} — {item.mandate.debtor_name} — {item.amount} €",
                choices=choices, required=False)

    def rejected(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data[f"item_{item.pk}"] for item in self.items
                if self.cleaned_data.get(f"item_{item.pk}")}


class ReturnForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.ChoiceField(label=gettext_lazy("Motif"), choices=REJECT_REASONS)
    returned_on = forms.DateField(label=gettext_lazy("Retourné le"),
                                  widget=forms.DateInput(attrs={"type": "date"}))
