"""allauth's hook at the moment an e-mail address is proven: guest bookings made with that
address join the account (an explicit call rather than a signal receiver)."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def confirm_email(self, request, email_address):
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            from directory.services import attach_guest_bookings

            attach_guest_bookings(email_address.user)
        return confirmed
