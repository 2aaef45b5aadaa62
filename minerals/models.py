from __future__ import annotations

from django.db import models
from django.db.models import Q


class Mineral(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    symbol = models.CharField(max_length=12, blank=True)
    usgs_commodity = models.CharField(
        max_length=120, blank=True, help_text="Commodity name in the USGS data release."
    )
    hs_codes = models.JSONField(default=list, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DataSource(models.Model):
    name = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, unique=True)
    publisher = models.CharField(max_length=200, blank=True)
    edition = models.CharField(max_length=120, blank=True)
    doi = models.CharField(max_length=200, blank=True)
    url = models.URLField(blank=True, max_length=500)
    released_on = models.DateField(null=True, blank=True)
    retrieved_on = models.DateField(null=True, blank=True)
    licence = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.edition})" if self.edition else self.name


class MineralStatistic(models.Model):
    class Area(models.TextChoices):
        COUNTRY = "country", "Country"
        WORLD = "world", "World total"
        OTHER = "other", "Other countries"

    class Measure(models.TextChoices):
        MINE_PRODUCTION = "mine_production", "Mine production"
        REFINERY_PRODUCTION = "refinery_production", "Refinery production"
        RESERVES = "reserves", "Reserves"
        CAPACITY = "capacity", "Capacity"
        OTHER = "other", "Other"

    class Qualifier(models.TextChoices):
        EXACT = "", "Exact"
        LOWER_BOUND = ">", "More than"
        UPPER_BOUND = "<", "Less than"
        NOT_AVAILABLE = "NA", "Not available"
        WITHHELD = "W", "Withheld"
        SMALL = "small", "Small"
        INCLUDED_ELSEWHERE = "included", "Included in another figure"

    mineral = models.ForeignKey(Mineral, on_delete=models.CASCADE, related_name="statistics")
    area = models.CharField(max_length=8, choices=Area.choices, default=Area.COUNTRY)
    country = models.ForeignKey(
        "engagements.Country",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mineral_statistics",
    )
    measure = models.CharField(max_length=24, choices=Measure.choices)
    detail = models.CharField(
        max_length=200, blank=True, help_text="The source's own wording of the statistic."
    )
    year = models.PositiveSmallIntegerField()
    value = models.DecimalField(max_digits=24, decimal_places=4, null=True, blank=True)
    qualifier = models.CharField(max_length=8, choices=Qualifier.choices, blank=True, default="")
    unit = models.CharField(max_length=80)
    basis = models.CharField(
        max_length=120, blank=True, help_text='Content basis, e.g. "lithium content".'
    )
    raw_value = models.CharField(max_length=80, blank=True)
    is_estimate = models.BooleanField(default=False)
    is_withheld = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="statistics")

    class Meta:
        ordering = ["mineral", "measure", "year", "area", "country"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(area="country") & Q(country__isnull=False))
                | (~Q(area="country") & Q(country__isnull=True)),
                name="mineralstatistic_country_matches_area",
            ),
            models.CheckConstraint(
                condition=~Q(is_withheld=True) | Q(value__isnull=True),
                name="mineralstatistic_withheld_has_no_value",
            ),
            models.UniqueConstraint(
                fields=["source", "mineral", "country", "measure", "detail", "year"],
                condition=Q(country__isnull=False),
                name="mineralstatistic_unique_country_row",
            ),
            models.UniqueConstraint(
                fields=["source", "mineral", "area", "measure", "detail", "year"],
                condition=Q(country__isnull=True),
                name="mineralstatistic_unique_aggregate_row",
            ),
        ]
        indexes = [
            models.Index(fields=["mineral", "measure", "year"], name="mineralstat_lookup_idx"),
        ]

    def __str__(self) -> str:
        where = self.country.name if self.country_id and self.country else self.get_area_display()
        return f"{self.mineral} {self.get_measure_display()} {where} {self.year}"
