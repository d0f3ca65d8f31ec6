"""Load the demo networks: the three Vercors sites of the product brief, with invented people
and a few weeks of bookings made through the booking service. No real person's data."""

import datetime as dt
import random

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from bookings.errors import BookingError
from bookings.models import BookingSource, BookingStatus
from bookings.services import book_resource, set_booking_status, span_for
from members.models import Member, MemberStatus, Organisation, RoleKind, User
from members.services import grant_role, join_network, update_profile
from places.models import Network, OpeningException, OpeningHours, Resource, Site
from places.schedule import SiteSchedule

DEMO_PASSWORD = "maillage-demo"  # noqa: S105 - demo accounts only, printed on purpose

FIRST = ["Camille", "Lucas", "Manon", "Hugo", "Léa", "Louis", "Chloé", "Jules", "Emma", "Arthur",
         "Inès", "Nathan", "Sarah", "Paul", "Zoé", "Tom", "Jeanne", "Noé", "Alice", "Théo"]
LAST = ["Arnaud", "Blanc", "Chabert", "Dumas", "Eymard", "Faure", "Girard", "Jacquet", "Masson",
        "Perrin", "Rey", "Roux", "Vial", "Bonnet", "Gauthier", "Michel", "Brun", "Morel"]
STATUS_WEIGHTS = [(MemberStatus.EMPLOYEE, 55), (MemberStatus.FREELANCER, 25),
                  (MemberStatus.CREATOR, 6), (MemberStatus.STUDENT, 5),
                  (MemberStatus.JOB_SEEKER, 5), (MemberStatus.PUBLIC_AGENT, 4)]
COMMUNES = [("Autrans-Méaudre en Vercors", "38021"), ("Villard-de-Lans", "38548"),
            ("Lans-en-Vercors", "38205"), ("Corrençon-en-Vercors", "38129"),
            ("Saint-Nizier-du-Moucherotte", "38433"), ("Engins", "38153")]

VERCORS_SITES = [
    dict(slug="autrans", name="Tiers-lieu d'Autrans", address="Place de la Mairie",
         postcode="38880", city="Autrans-Méaudre en Vercors", insee_code="38021",
         latitude="45.175300", longitude="5.543200", wifi_mbps=300, has_visio=True,
         has_printer=True, has_kitchen=True, step_free_access=True, has_parking=True,
         has_bike_parking=True, members_24_7=True,
         description="35 m² au cœur du village : 8 postes en open space, une petite salle de "
                     "réunion et un point visio.",
         hours=[(d, "08:30", "18:30") for d in range(5)],
         resources=[("Open space", "open_space", 8, "half_day", {}),
                    ("Petite salle de réunion", "meeting_room", 1, "hour",
                     {"capacity": 6, "max_duration_minutes": 240, "min_duration_minutes": 60}),
                    ("Point visio", "visio_point", 1, "hour",
                     {"capacity": 2, "max_duration_minutes": 180})]),
    dict(slug="villard", name="Espace de coworking de Villard-de-Lans",
         address="Avenue du Général de Gaulle", postcode="38250", city="Villard-de-Lans",
         insee_code="38548", latitude="45.071000", longitude="5.553000", wifi_mbps=100,
         has_printer=True, has_lockers=True, has_kitchen=True, has_parking=True,
         has_phone_booth=True,
         description="5 postes partagés et un bureau fermé, à deux pas de l'office de tourisme.",
         hours=[(d, "09:00", "12:30") for d in range(5)] + [(d, "13:30", "18:00")
                                                               for d in range(5)],
         resources=[("Open space", "open_space", 5, "half_day", {}),
                    ("Bureau fermé", "private_office", 1, "half_day",
                     {"requires_approval": False, "capacity": 2})]),
    dict(slug="lans", name="Coworking de Lans-en-Vercors", address="Rue du Lycée Polonais",
         postcode="38250", city="Lans-en-Vercors", insee_code="38205", latitude="45.128000",
         longitude="5.589000", wifi_mbps=50, step_free_access=True, has_bike_parking=True,
         description="3 postes dans l'ancienne école, au calme.",
         hours=[(d, "09:00", "17:00") for d in (1, 2, 3)],
         resources=[("Open space", "open_space", 3, "day", {})]),
]

GERS_SITES = [
    dict(slug="auch", name="Télécentre d'Auch", address="Rue de la République", postcode="32000",
         city="Auch", insee_code="32013", latitude="43.646500", longitude="0.586000",
         wifi_mbps=200, has_printer=True, has_visio=True,
         description="Télécentre de démonstration.",
         hours=[(d, "09:00", "18:00") for d in range(5)],
         resources=[("Open space", "open_space", 6, "half_day", {}),
                    ("Bureau 1", "private_office", 1, "half_day", {})]),
]


def _t(text):
    return dt.time.fromisoformat(text)


class Command(BaseCommand):
    help = "Charge les réseaux de démonstration (Vercors et Gers), personnes inventées."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true",
                            help="Supprime d'abord les réseaux de démonstration existants.")
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, reset=False, seed=42, **options):
        if reset:
            try:
                with transaction.atomic():
                    Network.objects.filter(slug__in=["vercors", "gers"]).delete()
                    User.objects.filter(email__endswith="@demo.maillage.test").delete()
            except (ProtectedError, IntegrityError) as err:
                # Issued invoices, payments and what they refer to are never deleted (the
                # database refuses it): a fresh demo needs a fresh database.
                raise CommandError(
                    "La démonstration contient des factures émises, qui ne peuvent pas être "
                    "supprimées : supprimez la base de données (var/maillage.sqlite3) puis "
                    "relancez « make demo ».") from err
        if Network.objects.filter(slug="vercors").exists():
            self.stdout.write("Les données de démonstration sont déjà chargées.")
            self._print_logins()
            return
        rng = random.Random(seed)
        with transaction.atomic():
            vercors = self._network("vercors", "Uto-Pic – tiers-lieux du Vercors",
                                    "Trois tiers-lieux de la communauté de communes du Massif du "
                                    "Vercors : travaillez à 10 minutes de chez vous.",
                                    VERCORS_SITES)
            gers = self._network("gers", "Télécentres du Gers (démo)",
                                 "Un second réseau, pour montrer qu'une installation en sert "
                                 "plusieurs.", GERS_SITES)
            people = self._people(vercors, gers, rng)
            self._catalogue(vercors)
            self._holdings(vercors, people, rng)
            self._payments(vercors, people)
        self._bookings(vercors, people, rng)
        self._month_end(vercors, people)
        self._communes()
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
        self._print_logins()

    def _payments(self, network, members):
        """SEPA creditor (invented identifier and account) and direct debit mandates for the
        demo member and a few others (docs/payments.md)."""
        from payments.models import PaymentSettings
        from payments.sepa import create_mandate

        PaymentSettings.objects.update_or_create(network=network, defaults={
            "creditor_name": "Uto-Pic tiers-lieux du Vercors", "creditor_id": "FR72ZZZ123456",
            "creditor_iban": "FR1420041010050500013M02606", "creditor_bic": "PSSTFRPPLYO",
            "reminder_days": [7, 30]})
        now = timezone.now()
        for i, member in enumerate(members[:4]):
            create_mandate(network, member=member, debtor_name=str(member),
                           iban="FR7630006000011234567890189", bic="AGRIFRPP",
                           rum=f"UTOPIC-DEMO-{i + 1:04d}",
                           signed_on=now.date() - dt.timedelta(days=60), actor=None, now=now)

    def _communes(self):
        """The shipped communes, for the territory planner (once: a few seconds)."""
        from territory.importers import load_shipped_communes
        from territory.models import Commune

        if not Commune.objects.exists():
            self.stdout.write(str(load_shipped_communes()))

    def _network(self, slug, name, description, sites):
        network = Network.objects.create(
            slug=slug, name=name, description=description,
            legal_name=f"Association {name} (démonstration)", legal_form="Association loi 1901",
            email=f"contact-{slug}@demo.maillage.test")
        today = timezone.localdate()
        for spec in sites:
            spec = dict(spec)
            hours, resources = spec.pop("hours"), spec.pop("resources")
            site = Site.objects.create(network=network, **spec)
            for weekday, opens, closes in hours:
                OpeningHours.objects.create(network=network, site=site, weekday=weekday,
                                            opens=_t(opens), closes=_t(closes))
            for rname, kind, seats, unit, rules in resources:
                Resource.objects.create(network=network, site=site, name=rname, kind=kind,
                                        seats=seats, booking_unit=unit, **rules)
            christmas = dt.date(today.year, 12, 24)
            OpeningException.objects.create(network=network, site=site, start_date=christmas,
                                            end_date=christmas + dt.timedelta(days=8),
                                            reason="fermeture des fêtes")
        return network

    def _catalogue(self, network):
        """Tariffs of the product brief as catalogue rows (billing/models/catalogue.py): a
        Boitron-like membership, Murat-like pay-as-you-go and week pass, Pomerol-like plans by
        days per month with commitment tiers, a Reichstett-like plan degressive by headcount,
        the association's 10-ticket book, Soho Solo's printed pages, a job-seekers' price and
        the free period after the telework training. Plus what invoicing needs: the legal
        identity (invented numbers), the billing profile and an employer account."""
        from billing.models import (
            BillingProfile,
            Discount,
            EmployerAccount,
            MembershipFee,
            Pass,
            Plan,
            PlanPriceTier,
            PriceGroup,
            Quota,
            TicketBook,
            TicketCost,
            UnitPrice,
        )

        network.siren, network.siret = "900000001", "90000000100012"  # invented
        network.address, network.postcode = "Place de la Mairie", "38880"
        network.city = "Autrans-Méaudre en Vercors"
        network.save()
        profile = BillingProfile.of(network)
        profile.invoice_prefix, profile.payment_terms_days = "UTO", 30
        profile.save()
        n = network
        job_seekers = PriceGroup.objects.create(network=n, kind="job_seeker",
                                                name="Demandeur·ses d'emploi")
        PriceGroup.objects.create(network=n, kind="student", name="Étudiant·es")
        trained = PriceGroup.objects.create(network=n, kind="other",
                                            name="Formé·es au télétravail")
        MembershipFee.objects.create(network=n, name="Adhésion annuelle", price=15,
                                     period="calendar_year")
        MembershipFee.objects.create(network=n, name="Adhésion demandeur·se d'emploi",
                                     price=5, period="calendar_year", price_group=job_seekers)
        for kind, unit, price, overage in (
                ("open_space", "half_day", 10, None), ("open_space", "day", 20, 15),
                ("private_office", "half_day", 15, None), ("private_office", "day", 28, None),
                ("meeting_room", "hour", 12, None), ("visio_point", "hour", 5, None)):
            UnitPrice.objects.create(network=n, resource_kind=kind, unit=unit, price=price,
                                     overage_price=overage)
        UnitPrice.objects.create(network=n, resource_kind="open_space", unit="half_day",
                                 price=5, price_group=job_seekers)
        UnitPrice.objects.create(network=n, resource_kind="open_space", unit="day", price=10,
                                 price_group=job_seekers)
        desks = ["open_space"]
        plans = {}
        for days, price, committed in ((4, 40, None), (8, 70, 63), (12, 90, 81)):
            plans[days] = Plan.objects.create(
                network=n, name=f"{days} jours par mois", price=price, allowance="days_per_month",
                allowance_days=days, resource_kinds=desks, coverage="network")
            if committed:
                PlanPriceTier.objects.create(network=n, plan=plans[days], basis="commitment",
                                             minimum=12, price=committed)
        Plan.objects.create(network=n, name="1 à 2 jours par semaine, badge 24h/24", price=100,
                            allowance="days_per_week", allowance_days=2, resource_kinds=desks,
                            around_the_clock=True)
        team = Plan.objects.create(network=n, name="Équipe : 1 jour par semaine", price=40,
                                   allowance="days_per_week", allowance_days=1,
                                   resource_kinds=desks, coverage="network", away_cap_days=2)
        for basis, minimum, price in (("commitment", 6, 36), ("headcount", 5, 34)):
            PlanPriceTier.objects.create(network=n, plan=team, basis=basis, minimum=minimum,
                                         price=price)
        Plan.objects.create(network=n, name="Résident illimité 24h/24", price=107,
                            allowance="unlimited", around_the_clock=True, commitment_months=3)
        Pass.objects.create(network=n, name="Pass journée", duration="day", price=20,
                            resource_kinds=desks)
        Pass.objects.create(network=n, name="Pass semaine", duration="week", price=80,
                            resource_kinds=desks)
        book = TicketBook.objects.create(network=n, name="Carnet de 10 tickets", tickets=10,
                                         validity_months=6, price=90)
        for kind, unit, tickets in (("open_space", "half_day", 1),
                                    ("private_office", "half_day", 2),
                                    ("meeting_room", "hour", 1)):
            TicketCost.objects.create(network=n, book=book, resource_kind=kind, unit=unit,
                                      tickets=tickets)
        Quota.objects.create(network=n, name="Impressions", unit_label="pages",
                             included_per_month=1000, overage_price="0.05")
        Discount.objects.create(network=n, name="2 ans offerts après la formation au "
                                "télétravail", price_group=trained, percent_off=100,
                                free_months=24)
        Discount.objects.create(network=n, name="Premier mois à moitié prix",
                                code="DECOUVERTE", percent_off=50, free_months=1)
        employer = Organisation.objects.get(network=n, name="Scierie du Plateau (démo)")
        employer.siret, employer.address = "90000000200019", "ZA des Geais, 38880 Autrans"
        employer.save()
        EmployerAccount.objects.create(network=n, organisation=employer,
                                       purchase_order="BC-2026-017")

    def _holdings(self, network, members, rng):
        """Sold by the coordinator through the billing services, before the bookings so that
        these consume them: subscriptions (the first member's is paid by the employer),
        ticket books, passes, price groups and printed pages."""
        from billing.models import Pass, Plan, PriceGroup, Quota, TicketBook
        from billing.services import holdings
        from members.models import Role

        actor = Role.objects.get(network=network, kind=RoleKind.COORDINATOR).member.user
        now = timezone.now()
        today = timezone.localdate(timezone=network.tz)
        # From the first day of last month: the demo then shows last month's invoices.
        start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        plans = {p.name: p for p in Plan.objects.filter(network=network)}
        autrans = network.sites.get(slug="autrans")
        groups = {g.kind: g for g in PriceGroup.objects.filter(network=network)}
        holdings.join_price_group(members[5], groups["job_seeker"], actor=actor, now=now)
        holdings.join_price_group(members[6], groups["job_seeker"], actor=actor, now=now)
        holdings.join_price_group(members[7], groups["other"], actor=actor, now=now,
                                  valid_from=start)
        for member, plan, extra in (
                (members[0], "8 jours par mois", {"commitment_months": 12}),
                (members[1], "4 jours par mois", {}),
                (members[2], "12 jours par mois", {"commitment_months": 12}),
                (members[3], "1 à 2 jours par semaine, badge 24h/24", {"home_site": autrans}),
                (members[4], "Résident illimité 24h/24", {"home_site": autrans}),
                (members[7], "1 à 2 jours par semaine, badge 24h/24", {"home_site": autrans}),
                (members[8], "Équipe : 1 jour par semaine",
                 {"home_site": autrans, "headcount": 5}),
                (members[9], "8 jours par mois", {"promo_code": "DECOUVERTE"})):
            holdings.subscribe(member, plans[plan], starts_on=start, actor=actor, now=now,
                               **extra)
        book = TicketBook.objects.get(network=network)
        for member in members[10:15]:
            holdings.buy_ticket_book(member, book, actor=actor, now=now,
                                     purchased_on=today - dt.timedelta(days=rng.randint(20, 40)))
        passes = {p.duration: p for p in Pass.objects.filter(network=network)}
        holdings.buy_pass(members[15], passes["week"], valid_from=today - dt.timedelta(days=2),
                          actor=actor, now=now)
        holdings.buy_pass(members[16], passes["day"], valid_from=today + dt.timedelta(days=1),
                          actor=actor, now=now)
        pages = Quota.objects.get(network=network)
        for member in members[:3]:
            holdings.record_quota_usage(member, pages, used_on=today, actor=actor, now=now,
                                        quantity=rng.randint(200, 1400))

    def _user(self, email, first, last):
        if not hasattr(self, "_password_hash"):
            self._password_hash = make_password(DEMO_PASSWORD)  # hash once, not per person
        user = User.objects.create(email=email, password=self._password_hash, first_name=first,
                                   last_name=last)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    def _people(self, vercors, gers, rng):
        orgs = [Organisation.objects.create(network=vercors, name=n) for n in (
            "Scierie du Plateau (démo)", "Bureau d'études Cimes (démo)",
            "Mutuelle des Alpes (démo)", "Agence Quatre Montagnes (démo)")]
        coordinator = self._member(vercors, "coordination@demo.maillage.test", "Claire",
                                   "Coordination", MemberStatus.PUBLIC_AGENT)
        grant_role(coordinator, RoleKind.COORDINATOR, actor=None)
        concierge = self._member(vercors, "accueil.autrans@demo.maillage.test", "Marc",
                                 "Accueil", MemberStatus.FREELANCER)
        grant_role(concierge, RoleKind.CONCIERGE, site=vercors.sites.get(slug="autrans"),
                   actor=None)
        members = [self._member(vercors, "membre@demo.maillage.test", "Camille", "Démo",
                                MemberStatus.EMPLOYEE, organisation=orgs[0])]
        statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
        for i in range(39):
            first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
            status = rng.choice(statuses)
            members.append(self._member(
                vercors, f"{first.lower()}.{last.lower()}{i}@demo.maillage.test"
                .replace("é", "e").replace("è", "e").replace("ï", "i").replace("ë", "e"),
                first, last, status,
                organisation=rng.choice(orgs) if status == MemberStatus.EMPLOYEE else None))
        gers_staff = self._member(gers, "accueil.auch@demo.maillage.test", "Sam", "Accueil",
                                  MemberStatus.FREELANCER)
        grant_role(gers_staff, RoleKind.CONCIERGE, site=gers.sites.get(slug="auch"), actor=None)
        return members

    def _member(self, network, email, first, last, status, organisation=None) -> Member:
        user = self._user(email, first, last)
        member = join_network(user, network, actor=user)
        commune, insee = COMMUNES[sum(map(ord, email)) % len(COMMUNES)]
        update_profile(member, actor=user, status=status, organisation=organisation,
                       home_commune=commune, home_insee=insee)
        return member

    def _month_end(self, network, members):
        """Last month invoiced by the month-end run (as a concierge would launch it), and two
        of those invoices paid: members see invoices, PDFs and payments, staff balances."""
        from billing.models import Invoice, PaymentMethod
        from billing.services.monthend import run_month_end
        from billing.services.payments import record_payment
        from members.models import Role

        actor = Role.objects.get(network=network, kind=RoleKind.COORDINATOR).member.user
        now = timezone.now()
        today = timezone.localdate(timezone=network.tz)
        end = today.replace(day=1) - dt.timedelta(days=1)
        run_month_end(network, end.replace(day=1), end, preview=False, actor=actor, now=now)
        invoices = {i.buyer_member_id: i for i in Invoice.objects.filter(
            network=network, kind="invoice", status="issued",
            service_start=end.replace(day=1),
            buyer_member__isnull=False)}
        for member, method, share in ((members[1], PaymentMethod.TRANSFER, 1),
                                      (members[2], PaymentMethod.CASH, 2)):
            invoice = invoices.get(member.pk)
            if invoice is not None and invoice.total_gross > 0:
                record_payment(invoice, amount=(invoice.total_gross / share).quantize(
                    invoice.total_gross), method=method, received_on=today,
                    reference="Virement démo" if method == PaymentMethod.TRANSFER else "",
                    actor=actor, now=now)

    def _bookings(self, network, members, rng):
        """Three weeks back and three weeks ahead, booked as members would have."""
        today = timezone.localdate(timezone=network.tz)
        resources = list(Resource.objects.filter(network=network).select_related("site",
                                                                                  "network"))
        schedules = {r.site_id: SiteSchedule(r.site) for r in resources}
        now = timezone.now()
        for offset in range(-21, 22):
            day = today + dt.timedelta(days=offset)
            for resource in resources:
                schedule = schedules[resource.site_id]
                if not schedule.day(day).is_open:
                    continue
                attempts = resource.seats + 2 if resource.is_pooled else 2
                for _ in range(attempts):
                    if rng.random() < 0.45:
                        continue
                    member = rng.choice(members)
                    try:
                        if resource.booking_unit == "hour":
                            hour = rng.choice([9, 10, 11, 14, 15, 16])
                            start, end = span_for(schedule, day, start_time=dt.time(hour),
                                                  end_time=dt.time(hour + 1))
                        else:
                            slot = ("day" if resource.booking_unit == "day"
                                    else rng.choice(["morning", "afternoon", "day"]))
                            start, end = span_for(schedule, day, slot=slot)
                        booked_at = min(now, start - dt.timedelta(days=rng.randint(1, 10)))
                        booking = book_resource(
                            member, resource, start=start, end=end, actor=member.user,
                            now=booked_at, source=BookingSource.IMPORT, notify=False,
                            schedule=schedule)
                    except BookingError:
                        continue
                    if booking.end < now:
                        status = (BookingStatus.NO_SHOW if rng.random() < 0.08
                                  else BookingStatus.COMPLETED)
                        set_booking_status(booking, status, actor=None)

    def _print_logins(self):
        self.stdout.write(
            "\nComptes de démonstration (mot de passe pour tous : "
            f"{DEMO_PASSWORD}) :\n"
            "  coordination du réseau Vercors : coordination@demo.maillage.test\n"
            "  accueil du lieu d'Autrans       : accueil.autrans@demo.maillage.test\n"
            "  membre                          : membre@demo.maillage.test\n"
            "  accueil du réseau Gers          : accueil.auch@demo.maillage.test\n")
