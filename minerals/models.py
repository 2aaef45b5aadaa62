"""Reference statistics on minerals: the minerals followed, criticality lists, data sources
and the statistics per country (or world) they publish.

Nothing here imports from `engagements`: relations to countries and topics are string
references, so the reference data stands on its own (docs/architecture.md).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Mineral(models.Model):
    class Category(models.TextChoices):
        BATTERY = "battery", "Battery minerals"
        BASE_METAL = "base_metal", "Base metals"
        RARE_EARTHS = "rare_earths", "Rare earths"
        PRECIOUS_METAL = "precious_metal", "Precious metals"
        ALLOY = "alloy", "Alloying and steel metals"
        INDUSTRIAL = "industrial", "Industrial minerals"
        OTHER = "other", "Other"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    symbol = models.CharField(max_length=12, blank=True)
    category = models.CharField(max_length=16, choices=Category.choices, blank=True)
    usgs_commodity = models.CharField(
        max_length=120, blank=True, help_text="Commodity name in the USGS data release."
    )
    hs_codes = models.JSONField(
        default=list, blank=True, help_text="Harmonized System headings, e.g. 2836.91."
    )
    unit = models.CharField(
        max_length=80,
        blank=True,
        help_text="The unit every statistic of this mineral is stored in (e.g. metric tons); "
        "figures published in other units are converted on import. Empty: set by the "
        "first import.",
    )
    topics = models.ManyToManyField(
        "engagements.Topic",
        blank=True,
        related_name="minerals",
        help_text="Topics a meeting about this mineral is tagged with (e.g. Lithium supply).",
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    category__in=[
                        "",
                        "battery",
                        "base_metal",
                        "rare_earths",
                        "precious_metal",
                        "alloy",
                        "industrial",
                        "other",
                    ]
                ),
                name="mineral_category_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CriticalityList(models.Model):
    """A government's (or body's) list of critical minerals, as published in a year."""

    name = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, unique=True)
    issuer = models.CharField(max_length=300, help_text="Who published the list.")
    country = models.ForeignKey(
        "engagements.Country",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="criticality_lists",
        help_text="The country whose list it is (empty for a multilateral body's list).",
    )
    year = models.PositiveSmallIntegerField()
    published_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=500, blank=True)
    source_url = models.URLField(blank=True, max_length=500)
    verification = models.TextField(
        blank=True, help_text="What was checked against the source, and what was not."
    )
    description = models.TextField(blank=True)
    members: models.ManyToManyField[Mineral, CriticalityListMember] = models.ManyToManyField(
        Mineral, through="CriticalityListMember", related_name="criticality_lists", blank=True
    )

    class Meta:
        ordering = ["-year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=1900) & Q(year__lte=2200), name="criticalitylist_year_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class CriticalityListMember(models.Model):
    criticality_list = models.ForeignKey(
        CriticalityList, on_delete=models.CASCADE, related_name="memberships"
    )
    mineral = models.ForeignKey(Mineral, on_delete=models.CASCADE, related_name="+")
    tier = models.CharField(
        max_length=60, blank=True, help_text='A sub-list, e.g. "strategic", where the list has one.'
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["criticality_list", "mineral__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["criticality_list", "mineral"], name="criticalitylistmember_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mineral} on {self.criticality_list}"


def data_source_path(instance: DataSource, filename: str) -> str:
    return f"minerals/sources/{instance.slug}/{filename}"


class DataSource(models.Model):
    name = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, unique=True)
    publisher = models.CharField(max_length=200, blank=True)
    edition = models.CharField(max_length=120, blank=True)
    doi = models.CharField(max_length=200, blank=True)
    url = models.URLField(blank=True, max_length=500)
    released_on = models.DateField(null=True, blank=True)
    retrieved_on = models.DateField(
        null=True, blank=True, help_text="When the file was downloaded from the publisher."
    )
    licence = models.CharField(max_length=200, blank=True)
    file = models.FileField(
        upload_to=data_source_path,
        blank=True,
        help_text="The data file as published (imported by the USGS importer task).",
    )

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
        OTHER = "other", "Other production"

    class Qualifier(models.TextChoices):
        EXACT = "", "Exact"
        LOWER_BOUND = ">", "More than"
        UPPER_BOUND = "<", "Less than"
        RANGE = "range", "Range"
        NOT_AVAILABLE = "NA", "Not available"
        NOT_APPLICABLE = "XX", "Not applicable"
        WITHHELD = "W", "Withheld"
        SMALL = "small", "Small"
        QUALITATIVE = "qualitative", "Described in words"
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
    series = models.CharField(
        max_length=200,
        blank=True,
        help_text='The statistic without the "rounded" of aggregate rows, so that country '
        "rows and their world total share a series.",
    )
    year = models.PositiveSmallIntegerField()
    value = models.DecimalField(
        max_digits=32,
        decimal_places=8,
        null=True,
        blank=True,
        help_text="In the mineral's unit. For a range, its lower end; for a bound, the bound.",
    )
    value_upper = models.DecimalField(
        max_digits=32,
        decimal_places=8,
        null=True,
        blank=True,
        help_text="The upper end of a range, in the mineral's unit.",
    )
    qualifier = models.CharField(max_length=16, choices=Qualifier.choices, blank=True, default="")
    unit = models.CharField(max_length=80, help_text="The mineral's stored unit.")
    original_value = models.DecimalField(max_digits=32, decimal_places=8, null=True, blank=True)
    original_unit = models.CharField(max_length=80, blank=True, help_text="As published.")
    basis = models.CharField(
        max_length=120, blank=True, help_text='Content basis, e.g. "lithium content".'
    )
    raw_value = models.CharField(max_length=80, blank=True)
    is_estimate = models.BooleanField(default=False)
    is_reported = models.BooleanField(default=False)
    is_withheld = models.BooleanField(default=False)
    is_rounded = models.BooleanField(default=False)
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
            models.CheckConstraint(
                condition=Q(value_upper__isnull=True)
                | (Q(qualifier="range") & Q(value__lte=models.F("value_upper"))),
                name="mineralstatistic_upper_only_for_ranges",
            ),
            models.CheckConstraint(
                condition=Q(
                    qualifier__in=[
                        "",
                        ">",
                        "<",
                        "range",
                        "NA",
                        "XX",
                        "W",
                        "small",
                        "qualitative",
                        "included",
                    ]
                ),
                name="mineralstatistic_qualifier_valid",
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
            models.Index(fields=["country", "measure", "year"], name="mineralstat_country_idx"),
        ]

    def __str__(self) -> str:
        where = self.country.name if self.country_id and self.country else self.get_area_display()
        return f"{self.mineral} {self.get_measure_display()} {where} {self.year}"

    @property
    def has_number(self) -> bool:
        return self.value is not None

    @property
    def display_value(self) -> str:
        """The figure as a reader expects it: the published marker when there is no number."""
        if self.value is None:
            return self.raw_value or self.get_qualifier_display()
        number = f"{self.value.normalize():,f}"
        if self.qualifier == self.Qualifier.RANGE and self.value_upper is not None:
            return f"{number}\u2013{self.value_upper.normalize():,f}"
        if self.qualifier in (self.Qualifier.LOWER_BOUND, self.Qualifier.UPPER_BOUND):
            return f"{self.qualifier}{number}"
        return number
