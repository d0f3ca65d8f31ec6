"""Issue a personal API token. The key is printed once: only its SHA-256 is kept."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from members.models import ApiToken, User


class Command(BaseCommand):
    help = _("Crée un jeton d'API personnel pour l'utilisateur <email> et affiche la clé "
             "(une seule fois : seule son empreinte est conservée).")

    def add_arguments(self, parser):
        parser.add_argument("email", help=_("e-mail de l'utilisateur"))
        parser.add_argument("name", help=_("nom du jeton, pour le reconnaître (ex. « agenda »)"))

    def handle(self, *args, email, name, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(_("Aucun utilisateur avec l'e-mail %(email)s.") % {"email": email})
        if not user.is_active:
            raise CommandError(_("Le compte %(email)s est désactivé.") % {"email": user.email})
        token, key = ApiToken.issue(user, name)
        self.stdout.write(key)
        self.stderr.write(_("Jeton « %(name)s » créé pour %(email)s. Conservez la clé ci-dessus : "
                            "elle ne sera plus affichée.") % {"name": name, "email": user.email})
