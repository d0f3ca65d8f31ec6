"""The coordinator's catalogue pages, mounted at /r/<network>/gestion/catalogue/.

One overview lists every product family with its prices (excluding VAT, VAT rate, including
VAT); each family has create / edit pages and a way out of the catalogue:
- products that members buy (membership fees, plans, passes, ticket books) are *withdrawn from
  sale* (`is_active`), and can be put back on sale;
- a promo code or free period is *ended* (valid until yesterday);
- any row can be *deleted* only while nothing refers to it (a subscription, a wallet, a pass
  bought, a membership, a quota reading, a discount or quota attached to a plan, a member of a
  price group…): otherwise a French message says what uses it.

Every lookup is scoped to the request's network (another network's row is a 404). Each write
runs in one transaction with an audit row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billing import forms_catalogue as forms
from billing.models import (
    BillingProfile,
    Discount,
    MembershipFee,
    Pass,
    Plan,
    PlanPriceTier,
    PriceGroup,
    Quota,
    Subscription,
    TicketBook,
    TicketCost,
    UnitPrice,
    VatRegime,
)
from core import audit
from core.context import network_view
from core.money import money


@dataclass(frozen=True)
class Family:
    key: str
    path: str  # URL segment (French)
    model: type
    form: type
    title: Promise  # plural heading
    new_label: Promise  # "Nouvel abonnement"
    formset: type | None = None
    formset_legend: Promise | None = None
    sellable: bool = False  # has `is_active` ("en vente")


FAMILIES = {f.key: f for f in [
    Family("price_group", "groupes", PriceGroup, forms.PriceGroupForm,
           gettext_lazy("Groupes tarifaires"), gettext_lazy("Nouveau groupe tarifaire")),
    Family("membership_fee", "adhesions", MembershipFee, forms.MembershipFeeForm,
           gettext_lazy("Adhésions"), gettext_lazy("Nouvelle adhésion"), sellable=True),
    Family("plan", "abonnements", Plan, forms.PlanForm, gettext_lazy("Abonnements"),
           gettext_lazy("Nouvel abonnement"), forms.TierFormSet,
           gettext_lazy("Prix dégressifs (paliers)"), sellable=True),
    Family("pass", "pass", Pass, forms.PassForm, gettext_lazy("Pass"),
           gettext_lazy("Nouveau pass"), sellable=True),
    Family("ticket_book", "carnets", TicketBook, forms.TicketBookForm,
           gettext_lazy("Carnets de tickets"), gettext_lazy("Nouveau carnet"),
           forms.TicketCostFormSet, gettext_lazy("Coût en tickets par type de ressource"),
           sellable=True),
    Family("unit_price", "prix-a-l-usage", UnitPrice, forms.UnitPriceForm,
           gettext_lazy("Prix à l'usage"), gettext_lazy("Nouveau prix à l'usage")),
    Family("discount", "remises", Discount, forms.DiscountForm,
           gettext_lazy("Remises, gratuités et codes promo"), gettext_lazy("Nouvelle remise")),
    Family("quota", "quotas", Quota, forms.QuotaForm, gettext_lazy("Quotas"),
           gettext_lazy("Nouveau quota")),
]}

# Rows that belong to their parent and go with it (a plan's tiers, a book's ticket costs).
OWNED_ROWS = (PlanPriceTier, TicketCost)


def _family(key) -> Family:
    try:
        return FAMILIES[key]
    except KeyError:
        raise Http404 from None


def _item(request, family: Family, item_id):
    return get_object_or_404(family.model, pk=item_id, network=request.ctx.network)


def _today(network) -> dt.date:
    return timezone.localdate(timezone=network.tz)


def _with_vat(amount: Decimal | None, rate: Decimal, franchise: bool, places: int = 2):
    """The price including VAT as an invoice would show it (franchise: no VAT)."""
    if amount is None:
        return None
    if franchise:
        return amount
    if places == 2:
        return money(amount + money(amount * rate / 100))
    return (amount * (1 + rate / 100)).quantize(Decimal(1).scaleb(-places))


def references(obj) -> list[tuple[str, int]]:
    """What refers to a catalogue row and would be lost or broken by deleting it: every row
    of another table pointing at it (found from the model's relations, so a table added
    tomorrow counts too), except its own tiers / ticket costs; and for a promo code, the
    subscriptions that were sold with it."""
    found = []
    for rel in obj._meta.get_fields(include_hidden=True):  # hidden: related_name="+"
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        if rel.related_model in OWNED_ROWS:
            continue
        count = rel.related_model._base_manager.filter(**{rel.field.name: obj}).count()
        if count:
            found.append((str(rel.related_model._meta.verbose_name_plural), count))
    if isinstance(obj, Discount) and obj.code:
        count = Subscription.objects.filter(network_id=obj.network_id,
                                            promo_code__iexact=obj.code).count()
        if count:
            found.append((str(Subscription._meta.verbose_name_plural), count))
    return found


def _describe(refs) -> str:
    return ", ".join(f"{label} : {count}" for label, count in refs)


# --- Overview ---------------------------------------------------------------------------

@network_view("coordinator")
def overview(request):
    network = request.ctx.network
    profile = BillingProfile.of(network)
    franchise = profile.vat_regime == VatRegime.FRANCHISE

    def priced(rows, field="price", places=2):
        for row in rows:
            amount = getattr(row, field)
            row.ht, row.ttc = amount, _with_vat(amount, row.vat_rate, franchise, places)
        return rows

    tiers = list(PlanPriceTier.objects.filter(network=network))
    plans = priced(list(Plan.objects.filter(network=network).select_related("price_group")
                        .order_by("-is_active", "period", "price", "name")))
    for plan in plans:
        plan.tier_rows = [t for t in tiers if t.plan_id == plan.pk]
        for tier in plan.tier_rows:
            tier.ttc = _with_vat(tier.price, plan.vat_rate, franchise)
        plan.kind_labels = _kind_labels(plan.resource_kinds)
    passes = priced(list(Pass.objects.filter(network=network)
                         .order_by("-is_active", "price", "name")))
    for p in passes:
        p.kind_labels = _kind_labels(p.resource_kinds)
    costs = list(TicketCost.objects.filter(network=network)
                 .order_by("resource_kind", "unit"))
    books = priced(list(TicketBook.objects.filter(network=network)
                        .order_by("-is_active", "price", "name")))
    for book in books:
        book.cost_rows = [c for c in costs if c.book_id == book.pk]
    unit_prices = priced(list(UnitPrice.objects.filter(network=network)
                              .select_related("price_group")
                              .order_by("resource_kind", "price_group__name", "unit")))
    for row in unit_prices:
        row.overage_ttc = _with_vat(row.overage_price, row.vat_rate, franchise)
    context = {
        "profile": profile,
        "franchise": franchise,
        "identity_missing": _identity_missing(network, profile),
        "families": FAMILIES,
        "price_groups": list(PriceGroup.objects.filter(network=network).order_by("name")),
        "fees": priced(list(MembershipFee.objects.filter(network=network)
                            .select_related("price_group")
                            .order_by("-is_active", "price", "name"))),
        "plans": plans,
        "passes": passes,
        "books": books,
        "unit_prices": unit_prices,
        "discounts": list(Discount.objects.filter(network=network)
                          .select_related("price_group", "plan").order_by("name")),
        "quotas": priced(list(Quota.objects.filter(network=network).select_related("plan")
                              .order_by("name")), "overage_price", 4),
        "today": _today(network),
    }
    return render(request, "billing/catalogue/overview.html", context)


def _kind_labels(kinds) -> list[str]:
    from places.models import ResourceKind

    labels = dict(ResourceKind.choices)
    return [str(labels.get(k, k)) for k in kinds or []]


def _identity_missing(network, profile) -> list[str]:
    missing = [str(label) for label, value in (
        (_("raison sociale"), network.legal_name), (_("SIREN"), network.siren),
        (_("SIRET"), network.siret), (_("adresse"), network.address)) if not value]
    if profile.vat_regime == VatRegime.REGISTERED and not network.vat_number:
        missing.append(_("n° de TVA intracommunautaire"))
    return missing


# --- Billing profile and legal identity -------------------------------------------------

@network_view("coordinator")
def profile_edit(request):
    network = request.ctx.network
    profile = BillingProfile.of(network)
    data = request.POST or None
    profile_form = forms.BillingProfileForm(data, instance=BillingProfile.of(network),
                                            prefix="profile")
    regime = profile.vat_regime
    if data is not None:
        profile_form.is_valid()  # the regime typed decides whether a VAT number is required
        regime = profile_form.cleaned_data.get("vat_regime", regime)
    from places.models import Network

    identity_form = forms.NetworkIdentityForm(data, instance=Network.objects.get(pk=network.pk),
                                              vat_regime=regime, prefix="identity")
    if request.method == "POST" and profile_form.is_valid() and identity_form.is_valid():
        with transaction.atomic():
            saved_profile = profile_form.save()
            identity = identity_form.save()
            audit.record(network=network, actor=request.user, action="billing.profile_updated",
                         target=saved_profile,
                         data={"profile": sorted(profile_form.changed_data),
                               "identity": sorted(identity_form.changed_data)})
        messages.success(request, _("Paramètres de facturation enregistrés."))
        missing = _identity_missing(identity, saved_profile)
        if missing:
            messages.warning(request, _("Pour émettre des factures, il manque encore : "
                                        "%(missing)s.") % {"missing": ", ".join(missing)})
        return redirect("catalogue", network.slug)
    return render(request, "billing/catalogue/profile_form.html", {
        "profile_form": profile_form, "identity_form": identity_form})


# --- Create / edit ----------------------------------------------------------------------

def _edit(request, family: Family, item=None):
    network = request.ctx.network
    # The form works on its own copy: a refused edit leaves `item` as stored.
    instance = (family.model.objects.get(pk=item.pk) if item is not None
                else family.model(network=network))
    data = request.POST or None
    form = family.form(data, instance=instance, network=network)
    formset = None
    if family.formset is not None:
        formset = family.formset(data, instance=instance, prefix="rows")
        if family.key == "plan" and data is not None and form.is_valid():
            formset.base_price = form.cleaned_data["price"]
    if request.method == "POST" and form.is_valid() and (formset is None or formset.is_valid()):
        with transaction.atomic():
            saved = form.save()
            if formset is not None:
                formset.instance = saved
                rows = formset.save(commit=False)
                for row in formset.deleted_objects:
                    row.delete()
                for row in rows:
                    row.network = network
                    row.save()
            audit.record(network=network, actor=request.user,
                         action=f"catalogue.{family.key}.{'updated' if item else 'created'}",
                         target=saved, data={"fields": sorted(form.changed_data)})
        messages.success(request, (_("« %(name)s » enregistré.") if item else
                                   _("« %(name)s » ajouté au catalogue.")) % {"name": saved})
        return redirect(f"{_overview_url(network)}#{family.key}")
    refs = references(item) if item is not None else []
    return render(request, "billing/catalogue/item_form.html", {
        "family": family, "item": item, "form": form, "formset": formset, "references": refs,
        "fieldsets": _fieldsets(family, form)})


def _overview_url(network) -> str:
    from django.urls import reverse

    return reverse("catalogue", args=[network.slug])


def _fieldsets(family: Family, form):
    """Group a plan's many fields the way a coordinator thinks of them."""
    if family.key != "plan":
        return [(None, list(form))]
    groups = [
        (_("Prix"), ["name", "price", "period", "commitment_months", "price_group",
                     "vat_rate"]),
        (_("Ce qui est inclus"), ["allowance", "allowance_days", "resource_kinds",
                                  "around_the_clock"]),
        (_("Lieux couverts"), ["coverage", "away_cap_days"]),
    ]
    return [(legend, [form[name] for name in names]) for legend, names in groups]


@network_view("coordinator")
def item_create(request, family):
    return _edit(request, _family(family))


@network_view("coordinator")
def item_edit(request, family, item_id):
    fam = _family(family)
    return _edit(request, fam, _item(request, fam, item_id))


# --- Out of the catalogue ---------------------------------------------------------------

@require_POST
@network_view("coordinator")
def item_set_active(request, family, item_id, active: bool):
    fam = _family(family)
    if not fam.sellable:
        raise Http404
    item = _item(request, fam, item_id)
    with transaction.atomic():
        item.is_active = active
        item.save(update_fields=["is_active"])
        audit.record(network=request.ctx.network, actor=request.user,
                     action=f"catalogue.{fam.key}.{'on_sale' if active else 'withdrawn'}",
                     target=item)
    messages.success(request, (_("« %(name)s » est de nouveau en vente.") if active else
                               _("« %(name)s » est retiré de la vente : plus de nouvelles "
                                 "ventes ; ce qui a été vendu reste valable."))
                     % {"name": item})
    return redirect(f"{_overview_url(request.ctx.network)}#{fam.key}")


@require_POST
@network_view("coordinator")
def discount_end(request, item_id):
    network = request.ctx.network
    item = _item(request, FAMILIES["discount"], item_id)
    yesterday = _today(network) - dt.timedelta(days=1)
    if item.valid_until is None or item.valid_until > yesterday:
        with transaction.atomic():
            item.valid_until = max(yesterday, item.valid_from or yesterday)
            item.save(update_fields=["valid_until"])
            audit.record(network=network, actor=request.user, action="catalogue.discount.ended",
                         target=item, data={"valid_until": item.valid_until.isoformat()})
    messages.success(request, _("« %(name)s » ne s'applique plus à partir d'aujourd'hui.")
                     % {"name": item})
    return redirect(f"{_overview_url(network)}#discount")


@require_POST
@network_view("coordinator")
def item_delete(request, family, item_id):
    fam = _family(family)
    network = request.ctx.network
    item = _item(request, fam, item_id)
    name = str(item)
    refs = references(item)
    if not refs:
        try:
            with transaction.atomic():
                audit.record(network=network, actor=request.user,
                             action=f"catalogue.{fam.key}.deleted", target=item,
                             data={"name": name})
                item.delete()
        except (ProtectedError, RestrictedError):
            refs = references(item) or [(_("autres enregistrements"), 1)]
    if refs:
        advice = (_("Retirez-le de la vente plutôt.") if fam.sellable else
                  _("Mettez-y fin plutôt.") if fam.key == "discount" else
                  _("Modifiez-le plutôt."))
        messages.error(request, _("« %(name)s » ne peut pas être supprimé : il est utilisé "
                                  "(%(uses)s). %(advice)s")
                       % {"name": name, "uses": _describe(refs), "advice": advice})
        return redirect("catalogue_item_edit", network.slug, fam.key, item.pk)
    messages.success(request, _("« %(name)s » supprimé du catalogue.") % {"name": name})
    return redirect(f"{_overview_url(network)}#{fam.key}")
