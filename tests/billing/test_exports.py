"""FEC and CSV exports: 18 columns in order, balanced entries, credit notes reversed,
payments lettered; the coordinator's page and the command."""

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from billing.exports import (
    FEC_COLUMNS,
    FEC_ENCODING,
    fec_bytes,
    fec_filename,
    invoices_csv,
    letter_of,
    payments_csv,
)
from billing.models import BillingProfile, VatRegime
from billing.services import LineInput, issue_credit_note
from billing.services.payments import record_payment
from tests.billing.conftest import ISSUE_DAY, issue
from tests.conftest import NOW

YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def parse(data: bytes) -> list[dict]:
    text = data.decode(FEC_ENCODING)
    rows = [line.split("\t") for line in text.split("\r\n") if line]
    assert rows[0] == FEC_COLUMNS
    assert all(len(row) == 18 for row in rows)
    return [dict(zip(FEC_COLUMNS, row)) for row in rows[1:]]


def amount(text: str) -> Decimal:
    assert "." not in text
    return Decimal(text.replace(",", "."))


@pytest.fixture
def books(billed):
    """A VAT-registered network with an invoice (two rates) to a member, partly credited
    then settled, and an invoice to a business paid in part by cash."""
    network = billed.network
    network.vat_number = "FR32123456789"
    network.save()
    profile = BillingProfile.of(network)
    profile.vat_regime = VatRegime.REGISTERED
    profile.save()
    staff = billed.concierge.user
    billed.first = issue(network, member=billed.member, lines=[
        LineInput("Abonnement illimité", Decimal("150.00")),
        LineInput("Café", Decimal("1.10"), Decimal("10"), vat_rate=Decimal("10.00"))])
    billed.note = issue_credit_note(billed.first, reason="Café offert", issue_date=ISSUE_DAY,
                                    actor=staff, now=NOW, lines=[LineInput(
                                        "Café", Decimal("1.10"), Decimal("10"),
                                        vat_rate=Decimal("10.00"))])
    billed.second = issue(network, organisation=billed.organisation)
    record_payment(billed.first, amount=Decimal("180.00"), method="transfer",
                   received_on=ISSUE_DAY, reference="VIR MARTIN", actor=staff, now=NOW)
    record_payment(billed.second, amount=Decimal("50.00"), method="cash",
                   received_on=ISSUE_DAY, actor=staff, now=NOW)
    return billed


def test_fec_has_18_columns_and_balanced_entries(books):
    rows = parse(fec_bytes(books.network, *YEAR))
    assert len({row["EcritureNum"] for row in rows}) == 5  # 2 invoices, 1 note, 2 payments
    by_entry = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for row in rows:
        by_entry[row["EcritureNum"]][0] += amount(row["Debit"])
        by_entry[row["EcritureNum"]][1] += amount(row["Credit"])
        assert len(row["EcritureDate"]) == 8 and row["EcritureDate"].isdigit()
        assert row["ValidDate"] >= row["EcritureDate"]
    assert all(debit == credit for debit, credit in by_entry.values())
    assert sum(d for d, _c in by_entry.values()) == sum(c for _d, c in by_entry.values())
    assert [int(n) for n in dict.fromkeys(row["EcritureNum"] for row in rows)] == [1, 2, 3, 4, 5]


def test_invoice_entry_accounts(books):
    rows = [r for r in parse(fec_bytes(books.network, *YEAR))
            if r["PieceRef"] == books.first.number]
    assert {r["JournalCode"] for r in rows} == {"VE"}
    customer = [r for r in rows if r["CompteNum"].startswith("411")]
    assert len(customer) == 1
    assert amount(customer[0]["Debit"]) == books.first.total_gross == Decimal("192.10")
    assert customer[0]["CompAuxNum"] and customer[0]["CompAuxLib"] == "Camille Martin"
    revenue = sorted(amount(r["Credit"]) for r in rows if r["CompteNum"].startswith("706"))
    vat = sorted(amount(r["Credit"]) for r in rows if r["CompteNum"].startswith("44571"))
    assert revenue == [Decimal("11.00"), Decimal("150.00")]
    assert vat == [Decimal("1.10"), Decimal("30.00")]
    assert sum(revenue) == books.first.total_net and sum(vat) == books.first.total_vat
    assert not any("?" in r["EcritureLib"] for r in rows)  # all of it fits ISO 8859-15
    assert "Facture " + books.first.number + " Camille Martin - TVA 20 %" in [
        r["EcritureLib"] for r in rows]


def test_credit_note_is_reversed(books):
    rows = [r for r in parse(fec_bytes(books.network, *YEAR))
            if r["PieceRef"] == books.note.number]
    customer = [r for r in rows if r["CompteNum"].startswith("411")]
    assert amount(customer[0]["Credit"]) == books.note.total_gross == Decimal("12.10")
    assert amount(customer[0]["Debit"]) == 0
    assert [amount(r["Debit"]) for r in rows if r["CompteNum"].startswith("706")] == [
        Decimal("11.00")]
    assert [amount(r["Debit"]) for r in rows if r["CompteNum"].startswith("44571")] == [
        Decimal("1.10")]


def test_payments_go_to_bank_or_cash_and_settled_invoices_are_lettered(books):
    rows = parse(fec_bytes(books.network, *YEAR))
    transfer = [r for r in rows if r["JournalCode"] == "BQ"]
    cash = [r for r in rows if r["JournalCode"] == "CA"]
    assert {r["CompteNum"] for r in transfer} == {"512000", "411000"}
    assert {r["CompteNum"] for r in cash} == {"530000", "411000"}
    assert [amount(r["Debit"]) for r in transfer if r["CompteNum"] == "512000"] == [
        Decimal("180.00")]
    # The first invoice is settled: 192.10 = 12.10 credited + 180.00 paid.
    letter = letter_of(books.first.pk)
    lettered = [r for r in rows if r["EcritureLet"] == letter]
    assert {r["PieceRef"] for r in lettered} == {books.first.number, books.note.number,
                                                  transfer[0]["PieceRef"]}
    assert all(r["CompteNum"] == "411000" for r in lettered)
    assert sum(amount(r["Debit"]) - amount(r["Credit"]) for r in lettered) == 0
    assert {r["DateLet"] for r in lettered} == {ISSUE_DAY.strftime("%Y%m%d")}
    # The second invoice is only half paid: not lettered.
    assert all(r["EcritureLet"] == "" for r in cash)


def test_range_limits_the_entries(books):
    assert parse(fec_bytes(books.network, dt.date(2026, 12, 1), dt.date(2026, 12, 31))) == []
    assert fec_filename(books.network, dt.date(2026, 12, 31)) == "123456789FEC20261231.txt"


def test_other_network_has_its_own_books(books):
    assert parse(fec_bytes(books.network_b, *YEAR)) == []


def test_invoices_and_payments_csv(books):
    rows = list(csv.DictReader(io.StringIO(invoices_csv(books.network, *YEAR)
                                           .decode("utf-8-sig")), delimiter=";"))
    by_number = {row["numero"]: row for row in rows}
    assert set(by_number) == {books.first.number, books.second.number, books.note.number}
    assert by_number[books.first.number]["total_ttc"] == "192,10"
    assert by_number[books.first.number]["reste_du"] == "0,00"
    assert by_number[books.second.number]["reste_du"] == "70,00"  # 120.00 - 50.00
    assert by_number[books.note.number]["facture_corrigee"] == books.first.number
    payments = list(csv.DictReader(io.StringIO(payments_csv(books.network, *YEAR)
                                               .decode("utf-8-sig")), delimiter=";"))
    assert sorted((p["facture"], p["moyen"], p["montant"]) for p in payments) == sorted([
        (books.first.number, "virement", "180,00"), (books.second.number, "espèces", "50,00")])


def test_export_fec_command(books, tmp_path):
    out = io.StringIO()
    call_command("export_fec", "vercors", "--from", "2026-01-01", "--to", "2026-12-31",
                 "--output-dir", str(tmp_path), stdout=out)
    path = tmp_path / "123456789FEC20261231.txt"
    assert path.read_bytes() == fec_bytes(books.network, *YEAR)
    assert "ligne(s)" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("export_fec", "inconnu", "--from", "2026-01-01", "--to", "2026-12-31")
    with pytest.raises(CommandError):
        call_command("export_fec", "vercors", "--from", "2026-12-31", "--to", "2026-01-01")


# --- the coordinator's page ------------------------------------------------------------------

def url(network):
    return reverse("billing_accounting_exports", args=[network.slug])


QUERY = {"export": "fec", "start": "2026-01-01", "end": "2026-12-31"}


def test_coordinator_downloads_the_fec_and_csvs(client, books):
    client.force_login(books.coordinator.user)
    page = client.get(url(books.network))
    assert page.status_code == 200 and "Exports comptables" in page.content.decode()
    response = client.get(url(books.network), QUERY)
    assert response.status_code == 200
    assert 'filename="123456789FEC20261231.txt"' in response["Content-Disposition"]
    assert response.content == fec_bytes(books.network, *YEAR)
    for export in ("factures", "paiements"):
        response = client.get(url(books.network), {**QUERY, "export": export})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def test_bad_range_keeps_what_was_typed(client, books):
    client.force_login(books.coordinator.user)
    response = client.get(url(books.network), {**QUERY, "start": "2026-12-31",
                                               "end": "2026-01-01"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "La date de fin précède la date de début." in body
    assert 'value="2026-12-31"' in body


def test_exports_are_for_the_coordinator_only(client, books):
    client.force_login(books.concierge.user)
    assert client.get(url(books.network), QUERY).status_code == 403
    client.force_login(books.member.user)
    assert client.get(url(books.network), QUERY).status_code == 403
    client.force_login(books.concierge_b.user)
    assert client.get(url(books.network), QUERY).status_code == 404
    client.force_login(books.outsider)
    assert client.get(url(books.network), QUERY).status_code == 404
    client.logout()
    assert client.get(url(books.network), QUERY).status_code == 302


def test_staff_invoices_page_links_the_exports_for_the_coordinator(client, books):
    staff_page = reverse("billing_staff_invoices", args=[books.network.slug])
    client.force_login(books.coordinator.user)
    assert url(books.network) in client.get(staff_page).content.decode()
    client.force_login(books.concierge.user)
    assert url(books.network) not in client.get(staff_page).content.decode()


def test_franchise_invoices_have_no_vat_line(billed):
    invoice = issue(billed.network, member=billed.member)
    rows = parse(fec_bytes(billed.network, *YEAR))
    assert [(r["CompteNum"], r["Debit"], r["Credit"]) for r in rows] == [
        ("411000", "100,00", "0,00"), ("706000", "0,00", "100,00")]
    assert rows[0]["PieceRef"] == invoice.number
