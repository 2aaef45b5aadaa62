import datetime
import tempfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports import services
from tests import factories
from tests.imports import files


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def reference(db):
    """The people, organizations and country the fixture return names."""
    chile = factories.CountryFactory(iso2="CL", iso3="CHL", numeric_code="152", name="Chile")
    korea = factories.CountryFactory(iso2="KR", iso3="KOR", numeric_code="410", name="Korea")
    moef = factories.OrganizationFactory(
        name="Ministry of Economy and Finance", abbreviation="MOEF", country=korea
    )
    hacienda = factories.OrganizationFactory(name="Ministry of Finance of Chile", country=chile)
    kim = factories.PersonFactory(name="Kim Yoon-sang", native_name="김윤상", nationality=korea)
    marcel = factories.PersonFactory(name="Mario Marcel", nationality=chile)
    vice = factories.PostFactory(label="Second Vice Minister", organization=moef)
    minister = factories.PostFactory(label="Minister of Finance", organization=hacienda)
    factories.TenureFactory(person=kim, post=vice, start_date=datetime.date(2016, 1, 1))
    factories.TenureFactory(person=marcel, post=minister, start_date=datetime.date(2016, 1, 1))
    organizations = {
        name: factories.OrganizationFactory(name=name, abbreviation=abbreviation, country=None)
        for name, abbreviation in [
            ("Bank of England", "BoE"),
            ("Barclays", ""),
            ("HSBC", ""),
            ("Lloyds Banking Group", ""),
            ("Inter-American Development Bank", "IDB"),
        ]
    }
    return {"chile": chile, "kim": kim, "marcel": marcel, **organizations}


def upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def make_job(alice):
    def make(content: bytes, name: str, user=None, **options):
        options.setdefault("period", files.PERIOD)
        return services.import_job_create(
            user=user or alice, uploaded_file=upload(content, name), options=options
        )

    return make


__all__ = ["tempfile", "upload"]
