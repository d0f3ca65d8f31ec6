import json

from django.core.management.base import BaseCommand, CommandError

from places.models import Network
from territory.analysis import PlanningError, compute
from territory.forms import PlanningForm
from territory.models import RunKind


class Command(BaseCommand):
    help = ("Répond à une question du planificateur pour un réseau, en ligne de commande : "
            "couverture actuelle, où ouvrir k lieux, ou combien de lieux pour X %.")

    def add_arguments(self, parser):
        parser.add_argument("network", help="identifiant (slug) du réseau")
        parser.add_argument("--kind", choices=list(RunKind.values), default=RunKind.COVERAGE)
        parser.add_argument("--scope", choices=["epci", "department"], default="epci")
        parser.add_argument("--minutes", type=int, default=10)
        parser.add_argument("--new-places", type=int)
        parser.add_argument("--target-percent", type=int)
        parser.add_argument("--include-external", action="store_true")
        parser.add_argument("--min-population", type=int)
        parser.add_argument("--only-communes", default="")
        parser.add_argument("--excluded-communes", default="")
        parser.add_argument("--catchment-minutes", type=int)
        parser.add_argument("--min-catchment", type=int)
        parser.add_argument("--min-minutes-between", type=int)
        parser.add_argument("--json", action="store_true", help="afficher le résultat en JSON")

    def handle(self, *args, **options):
        network = Network.objects.filter(slug=options["network"]).first()
        if network is None:
            raise CommandError(f"Réseau inconnu : {options['network']}")
        fields = PlanningForm.base_fields
        data = {name: options.get(name) for name in fields}
        data = {k: ("on" if v is True else v) for k, v in data.items()
                if v not in (None, False, "")}
        form = PlanningForm(data)
        if not form.is_valid():
            raise CommandError("; ".join(f"{k} : {' '.join(v)}" for k, v in form.errors.items()))
        params = dict(form.cleaned_data)
        kind = params.pop("kind")
        try:
            result = compute(network, kind, params)
        except PlanningError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=1))
            return
        t, today = result["territory"], result["today"]
        self.stdout.write(f"Périmètre : {t['label']} — {t['communes']} communes, "
                          f"{t['population']} habitants ({t['unlocated_communes']} communes, "
                          f"{t['unlocated_population']} habitants sans coordonnées).")
        self.stdout.write(f"Aujourd'hui à {result['minutes']:g} min ou moins : "
                          f"{today['covered_population']} habitants "
                          f"({100 * today['share']:.1f} %).")
        plan = result.get("plan")
        if plan:
            self.stdout.write(plan["message"])
            for place in plan["new_places"]:
                self.stdout.write(f"  + {place['name']} ({place['insee_code']}), "
                                  f"{place['catchment']} habitants à portée")
        zones = (plan or today)["white_zones"]
        self.stdout.write(f"Zones blanches : {(plan or today)['white_zones_count']} communes")
        for zone in zones[:10]:
            minutes = "—" if zone["minutes"] is None else f"{zone['minutes']:g} min"
            self.stdout.write(f"  {zone['name']} ({zone['population']} hab.) : {minutes}")
