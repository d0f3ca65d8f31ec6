import json

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from territory.models import Commune, CommuneKind
from territory.travel import OSRMRouter, RouterError, TravelModel, fit_model, haversine_km


class Command(BaseCommand):
    help = ("Ajuste les paramètres du modèle de temps de trajet hors ligne sur un échantillon "
            "de réponses d'un serveur OSRM, et affiche la valeur de TERRITORY_TRAVEL_MODEL.")

    def add_arguments(self, parser):
        parser.add_argument("--osrm-url", default=getattr(settings, "TERRITORY_OSRM_URL", ""))
        parser.add_argument("--department", action="append", default=[],
                            help="Limiter l'échantillon à ces départements (répétable).")
        parser.add_argument("--sample", type=int, default=200,
                            help="Nombre de communes d'origine tirées au hasard.")
        parser.add_argument("--max-km", type=float, default=60.0)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        if not options["osrm_url"]:
            raise CommandError("Indiquez --osrm-url ou TERRITORY_OSRM_URL.")
        qs = Commune.objects.filter(kind=CommuneKind.COMMUNE, latitude__isnull=False)
        if options["department"]:
            qs = qs.filter(department__in=options["department"])
        rows = list(qs.values_list("latitude", "longitude", "mountain"))
        if len(rows) < 6:
            raise CommandError("Pas assez de communes avec coordonnées pour l'échantillon.")
        rng = np.random.default_rng(options["seed"])
        pts = np.array([(r[0], r[1]) for r in rows])
        mountain = np.array([bool(r[2]) for r in rows])
        n = min(options["sample"], len(rows))
        src_idx = rng.choice(len(rows), size=n, replace=False)
        dst_idx = rng.choice(len(rows), size=n, replace=False)
        router = OSRMRouter(options["osrm_url"])
        try:
            minutes, road_km = router.table(pts[src_idx], pts[dst_idx])
        except RouterError as exc:
            raise CommandError(str(exc)) from exc
        gc = haversine_km(pts[src_idx][:, None, 0], pts[src_idx][:, None, 1],
                          pts[dst_idx][None, :, 0], pts[dst_idx][None, :, 1])
        both = mountain[src_idx][:, None] | mountain[dst_idx][None, :]
        keep = gc <= options["max_km"]
        try:
            model = fit_model(gc[keep], road_km[keep], minutes[keep], both[keep],
                              base=TravelModel.from_settings())
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        predicted = model.minutes_for_km(gc[keep], both[keep])
        error = np.abs(predicted - minutes[keep])
        error = error[np.isfinite(error)]
        self.stdout.write(f"{int(keep.sum())} trajets, {router.requests} requête(s) OSRM ; "
                          f"erreur absolue médiane {np.median(error):.1f} min, "
                          f"90e centile {np.percentile(error, 90):.1f} min.")
        values = {k: round(v, 3) for k, v in model.__dict__.items()}
        self.stdout.write("TERRITORY_TRAVEL_MODEL = " + json.dumps(values))
