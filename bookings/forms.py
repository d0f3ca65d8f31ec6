"""The member's booking form. It only shapes input; rules live in bookings.services."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from places.models import BookingUnit, Weekday

SLOT_CHOICES = [("morning", _("Matin")), ("afternoon", _("Après-midi")),
                ("day", _("Journée entière"))]
REPEAT_CHOICES = [("once", _("Une seule fois")),
                  ("days", _("Plusieurs jours consécutifs (jusqu'au…)")),
                  ("weekly", _("Chaque semaine (jusqu'au…)"))]


class BookingForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    slot = forms.ChoiceField(label=_("Créneau"), choices=SLOT_CHOICES, required=False,
                             widget=forms.RadioSelect)
    start_time = forms.TimeField(label=_("Début"), required=False,
                                 widget=forms.TimeInput(attrs={"type": "time", "step": 1800}))
    end_time = forms.TimeField(label=_("Fin"), required=False,
                               widget=forms.TimeInput(attrs={"type": "time", "step": 1800}))
    seats = forms.IntegerField(label=_("Nombre de postes"), min_value=1, initial=1,
                               required=False)
    repeat = forms.ChoiceField(label=_("Répéter"), choices=REPEAT_CHOICES, initial="once",
                               widget=forms.RadioSelect)
    until = forms.DateField(label=_("Jusqu'au (inclus)"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Jours de la semaine"), choices=Weekday.choices, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Par défaut, le jour de la première date."))

    def __init__(self, *args, resource, **kwargs):
        super().__init__(*args, **kwargs)
        self.resource = resource
        if resource.booking_unit == BookingUnit.HOUR:
            del self.fields["slot"]
            self.fields["start_time"].required = True
            self.fields["end_time"].required = True
            self.fields["repeat"].choices = [REPEAT_CHOICES[0], REPEAT_CHOICES[2]]
        else:
            del self.fields["start_time"], self.fields["end_time"]
            self.fields["slot"].required = True
            if resource.booking_unit == BookingUnit.DAY:
                self.fields["slot"].choices = [SLOT_CHOICES[2]]
                self.fields["slot"].initial = "day"
        if not resource.is_pooled:
            del self.fields["seats"]
        else:
            self.fields["seats"].max_value = resource.seats
            self.fields["seats"].widget.attrs["max"] = resource.seats

    def clean(self):
        data = super().clean()
        repeat, until, day = data.get("repeat"), data.get("until"), data.get("date")
        if repeat in ("days", "weekly"):
            if not until:
                self.add_error("until", _("Indiquez jusqu'à quelle date répéter."))
            elif day and until < day:
                self.add_error("until", _("Cette date doit suivre la première date."))
            elif day and repeat == "weekly" and until > day + dt.timedelta(days=366):
                self.add_error("until", _("Une série dure au plus un an."))
        if repeat == "days" and data.get("slot") not in (None, "day"):
            self.add_error("slot", _("Pour plusieurs jours consécutifs, choisissez la journée "
                                     "entière."))
        return data
