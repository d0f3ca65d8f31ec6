from dataclasses import dataclass, field


@dataclass
class Alternative:
    resource: object
    start: object
    end: object

    def describe(self) -> str:
        from bookings.formatting import describe_span

        return f"{self.resource.name} – {describe_span(self.start, self.end, self.resource)}"


@dataclass
class BookingError(Exception):
    """A booking was refused; `message` is shown to the user as is (French by default)."""

    code: str
    message: str
    alternatives: list[Alternative] = field(default_factory=list)

    def __str__(self):
        return self.full_message()

    def full_message(self) -> str:
        if not self.alternatives:
            return str(self.message)
        from django.utils.translation import gettext as _

        listed = " ; ".join(a.describe() for a in self.alternatives)
        return f"{self.message} " + _("Alternatives libres les plus proches : %(list)s.") % {
            "list": listed
        }
