from __future__ import annotations

from django.db import models
from django.db.models import Q

from .reference import Country, Organization


class Instrument(models.Model):
    """A financial or legal instrument: trust fund, facility, loan, MoU, declaration, ..."""

    class Kind(models.TextChoices):
        TRUST_FUND = "trust_fund", "Trust fund"
        FACILITY = "facility", "Facility"
        LOAN = "loan", "Loan"
        GRANT = "grant", "Grant"
        MOU = "mou", "Memorandum of understanding"
        AGREEMENT = "agreement", "Agreement"
        DECLARATION = "declaration", "Declaration"
        PROGRAMME = "programme", "Programme"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    name = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, unique=True)
    short_name = models.CharField(max_length=40, blank=True)
    other_names = models.JSONField(default=list, blank=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    administering_organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="administered_instruments",
    )
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217, e.g. USD.")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    identifier = models.CharField(
        max_length=120, blank=True, help_text="IATI-style identifier, e.g. XI-IATI-IADB-..."
    )
    description = models.TextField(blank=True)
    source = models.CharField(max_length=500, blank=True)
    source_url = models.URLField(blank=True, max_length=500)
    related = models.ManyToManyField("self", blank=True, symmetrical=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="instrument_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="instrument_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(currency__regex=r"^[A-Z]{3}$"),
                name="instrument_amount_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.short_name})" if self.short_name else self.name


class InstrumentParty(models.Model):
    class Role(models.TextChoices):
        CONTRIBUTOR = "contributor", "Contributor"
        BENEFICIARY = "beneficiary", "Beneficiary"
        SIGNATORY = "signatory", "Signatory"
        ADMINISTRATOR = "administrator", "Administrator"
        IMPLEMENTER = "implementer", "Implementing agency"

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="parties")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["instrument", "role", "id"]
        verbose_name_plural = "instrument parties"
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False) | Q(country__isnull=False),
                name="instrumentparty_names_a_party",
            ),
            models.UniqueConstraint(
                fields=["instrument", "organization", "role"],
                condition=Q(organization__isnull=False),
                name="instrumentparty_unique_organization_role",
            ),
            models.UniqueConstraint(
                fields=["instrument", "country", "role"],
                condition=Q(organization__isnull=True),
                name="instrumentparty_unique_country_role",
            ),
        ]

    def __str__(self) -> str:
        party = self.organization or self.country
        return f"{party} ({self.get_role_display()})"
