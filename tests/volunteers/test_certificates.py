import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.errors import DomainError
from tests.grids import factories as grid_factories
from tests.volunteers import factories
from volunteers import services
from volunteers.certificates import render_pdf, verification_url
from volunteers.models import Certificate


@pytest.fixture
def coordinator(tree):
    return grid_factories.user(role="volunteer_coordinator", region=tree.street_a)


def _approved(tree, coordinator, volunteer, hours: int):
    now = timezone.now()
    entry = services.hours_record(
        user=coordinator,
        volunteer=volunteer,
        region=tree.community_a,
        start=now - dt.timedelta(hours=hours + 1),
        end=now - dt.timedelta(hours=1),
    )
    services.hours_decide(user=coordinator, entries=[entry], approve=True)


def test_certificate_pdf_reads_back(tree, coordinator):
    number = factories.national_id()
    volunteer = factories.volunteer(region=tree.community_a, actor=coordinator, number=number)
    with pytest.raises(DomainError):
        services.certificate_issue(user=coordinator, volunteer=volunteer, issuer="红帆志愿服务队")
    _approved(tree, coordinator, volunteer, 3)
    certificate = services.certificate_issue(user=coordinator, volunteer=volunteer, issuer="红帆志愿服务队")
    assert certificate.minutes == 180 and certificate.masked_id == number[:6] + "********" + number[-4:]
    text = PdfReader(BytesIO(render_pdf(certificate))).pages[0].extract_text()
    for shown in (certificate.number, volunteer.number, "3.0", certificate.masked_id.replace("*", "")[-4:]):
        assert shown in text
    assert number not in text
    assert certificate.number in verification_url(certificate)


def test_public_verification_shows_only_the_certificate(client, tree, coordinator):
    volunteer = factories.volunteer(region=tree.community_a, actor=coordinator, real_name="张三丰")
    _approved(tree, coordinator, volunteer, 2)
    certificate = services.certificate_issue(user=coordinator, volunteer=volunteer, issuer="")
    html = client.get(reverse("volunteers:verify"), {"number": certificate.number.lower()}).content.decode()
    assert 'data-testid="certificate-valid"' in html and volunteer.number in html and certificate.masked_id in html
    assert "张三丰" not in html and volunteer.phone not in html
    unknown = client.get(reverse("volunteers:verify"), {"number": "ZHVC0000"}).content.decode()
    assert 'data-testid="certificate-unknown"' in unknown


def test_pdf_for_the_volunteer_and_their_coordinator_only(client, tree, coordinator):
    resident = grid_factories.user(role="resident", region=tree.compound_a)
    volunteer = factories.volunteer(region=tree.compound_a, account=resident)
    _approved(tree, coordinator, volunteer, 1)
    client.force_login(coordinator)
    response = client.post(reverse("volunteers:certificate_issue", args=[volunteer.number]), {"issuer": "总浦桥社区"})
    certificate = Certificate.objects.get()
    assert response.status_code == 302
    url = reverse("volunteers:certificate_pdf", args=[certificate.number])
    assert client.get(url)["Content-Type"] == "application/pdf"
    client.force_login(resident)
    assert client.get(url).status_code == 200
    client.force_login(grid_factories.user(role="volunteer_coordinator", region=tree.street_b))
    assert client.get(url).status_code == 404
