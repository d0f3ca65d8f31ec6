"""Forms of the concierge's pages. They only shape input; the rules live in the services."""

import datetime as dt

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import Member
from places.models import Resource

SLOT_CHOICES = [
    ("morning", gettext_lazy("matin")),
    ("afternoon", gettext_lazy("après-midi")),
    ("day", gettext_lazy("journée")),
    ("hours", gettext_lazy("horaires précis (ci-dessous)")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class ResourceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.site.name} · {obj.name}"


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.user.get_full_name()
        return f"{name} — {obj.user.email}" if name else obj.user.email


class StaffBookingForm(forms.Form):
    """Book on behalf of a member of the network or of a walk-in guest."""

    resource = ResourceChoiceField(label=gettext_lazy("Ressource"),
                                   queryset=Resource.objects.none())
    holder = forms.ChoiceField(
        label=gettext_lazy("Pour qui ?"), widget=forms.RadioSelect, initial="member",
        choices=[("member", gettext_lazy("un membre du réseau")),
                 ("guest", gettext_lazy("une personne de passage"))],
    )
    member = MemberChoiceField(label=gettext_lazy("Membre"), queryset=Member.objects.none(),
                               required=False)
    guest_name = forms.CharField(label=gettext_lazy("Nom de la personne de passage"),
                                 max_length=200, required=False)
    guest_email = forms.EmailField(label=gettext_lazy("E-mail de la personne de passage"),
                                   required=False)
    date = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    slot = forms.ChoiceField(label=gettext_lazy("Créneau"), choices=SLOT_CHOICES,
                             initial="morning")
    start_time = forms.TimeField(label=gettext_lazy("Début"), required=False, widget=TimeInput(),
                                 help_text=gettext_lazy("Pour une salle ou un point visio : "
                                                        "à l'heure ou à la demi-heure."))
    end_time = forms.TimeField(label=gettext_lazy("Fin"), required=False, widget=TimeInput())
    seats = forms.IntegerField(label=gettext_lazy("Nombre de places"), min_value=1,
                               max_value=100, initial=1)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False)

    def __init__(self, *args, network, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = (
            Resource.objects.filter(network=network, site__in=sites, is_active=True)
            .select_related("site__network", "network").order_by("site__name", "name"))
        self.fields["member"].queryset = (
            Member.objects.filter(network=network, is_active=True).select_related("user"))

    def clean(self):
        data = super().clean()
        if data.get("holder") == "member":
            if not data.get("member"):
                self.add_error("member", _("Choisissez le membre."))
        elif data.get("holder") == "guest":
            if not data.get("guest_name"):
                self.add_error("guest_name", _("Indiquez le nom de la personne."))
            if not data.get("guest_email") and "guest_email" not in self.errors:
                self.add_error("guest_email", _("Indiquez l'e-mail de la personne."))
        if data.get("slot") == "hours":
            start, end = data.get("start_time"), data.get("end_time")
            if start is None and "start_time" not in self.errors:
                self.add_error("start_time", _("Indiquez l'heure de début."))
            if end is None and "end_time" not in self.errors:
                self.add_error("end_time", _("Indiquez l'heure de fin."))
            if start and end and end <= start:
                self.add_error("end_time", _("La fin doit être après le début."))
        return data


class BlockForm(forms.Form):
    """A span during which a resource cannot be booked, in local time."""

    start_date = forms.DateField(label=gettext_lazy("Du"), widget=DateInput())
    start_time = forms.TimeField(label=gettext_lazy("à partir de"), widget=TimeInput(),
                                 initial=dt.time(0))
    end_date = forms.DateField(label=gettext_lazy("Au"), widget=DateInput())
    end_time = forms.TimeField(label=gettext_lazy("jusqu'à"), widget=TimeInput(),
                               initial=dt.time(23, 59))
    reason = forms.CharField(label=gettext_lazy("Motif"), max_length=200, required=False,
                             help_text=gettext_lazy("Affiché aux membres (ex. maintenance, "
                                                    "événement privé)."))


class OpeningExceptionForm(forms.Form):
    """Close the site over a range of dates, or open it with special hours."""

    start_date = forms.DateField(label=gettext_lazy("Du"), widget=DateInput())
    end_date = forms.DateField(label=gettext_lazy("Au (inclus)"), widget=DateInput())
    closed = forms.ChoiceField(
        label=gettext_lazy("Ces jours-là"), widget=forms.RadioSelect, initial="closed",
        choices=[("closed", gettext_lazy("le lieu est fermé")),
                 ("hours", gettext_lazy("le lieu ouvre avec des horaires spéciaux"))],
    )
    opens = forms.TimeField(label=gettext_lazy("Ouverture"), required=False, widget=TimeInput())
    closes = forms.TimeField(label=gettext_lazy("Fermeture"), required=False, widget=TimeInput())
    reason = forms.CharField(label=gettext_lazy("Motif"), max_length=200, required=False,
                             help_text=gettext_lazy("Ex. congés d'été, travaux, jour férié."))


class WeeklyHoursForm(forms.Form):
    """Two optional opening intervals per weekday (e.g. 9:00-12:30 and 13:30-18:00)."""

    def __init__(self, *args, site_hours=None, **kwargs):
        from places.models import Weekday

        initial = {}
        for h in site_hours or []:
            n = 1 if f"d{h.weekday}_opens1" not in initial else 2
            if n == 2 and f"d{h.weekday}_opens2" in initial:
                continue  # more than two intervals: only the first two are editable here
            initial[f"d{h.weekday}_opens{n}"] = h.opens
            initial[f"d{h.weekday}_closes{n}"] = h.closes
        super().__init__(*args, initial=initial, **kwargs)
        self.days = []
        for day in Weekday:
            names = []
            for n in (1, 2):
                for part, label in (("opens", _("ouverture")), ("closes", _("fermeture"))):
                    name = f"d{day.value}_{part}{n}"
                    self.fields[name] = forms.TimeField(
                        label=f"{day.label} – {label} {n}", required=False, widget=TimeInput())
                    names.append(name)
            self.days.append((day.value, day.label, names))

    def day_groups(self):
        """(label, bound fields, errors of the day) for the template."""
        return [(label, [self[n] for n in names], self.day_errors.get(value, []))
                for value, label, names in self.days]

    day_errors: dict

    def full_clean(self):
        self.day_errors = {}
        super().full_clean()

    def intervals(self) -> dict[int, list[tuple[dt.time, dt.time]]]:
        data = self.cleaned_data
        out = {}
        for value, _label, _names in self.days:
            spans = []
            for n in (1, 2):
                opens, closes = data.get(f"d{value}_opens{n}"), data.get(f"d{value}_closes{n}")
                if opens is None and closes is None:
                    continue
                spans.append((opens, closes))
            out[value] = spans
        return out

    def clean(self):
        from places.services import weekly_hours_errors

        data = super().clean()
        if self.errors:
            return data
        self.day_errors = weekly_hours_errors(self.intervals())
        if self.day_errors:
            raise forms.ValidationError(_("Horaires à corriger : voir les jours signalés."))
        return data
