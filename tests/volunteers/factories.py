"""Volunteers for tests: valid ID numbers, service types, volunteers and opportunities."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from volunteers import identity, services
from volunteers.models import ServiceType

_serial = itertools.count(1)


def national_id(born: dt.date = dt.date(1990, 3, 7), area: str = "330211") -> str:
    first17 = f"{area}{born:%Y%m%d}{next(_serial) % 1000:03d}"
    return first17 + identity.check_digit(first17)


def service_type(code: str = "elderly", name: str = "助老") -> ServiceType:
    found, _created = ServiceType.objects.get_or_create(code=code, defaults={"name": name})
    return found


def volunteer(*, region, actor=None, account=None, skills=(), types=None, number=None, **extra):
    from tests.grids import factories as grid_factories

    actor = actor or account or grid_factories.user()
    return services.volunteer_register(
        actor=actor,
        account=account,
        real_name=extra.pop("real_name", "张志愿"),
        phone=extra.pop("phone", "13912345678"),
        national_id=number or national_id(),
        region=region,
        service_types=types or [service_type()],
        skills=skills,
        consent=True,
        **extra,
    )


def opportunity(*, region, user, start_in_hours: float = 48, hours: float = 2, places: int = 3, **extra):
    start = timezone.now() + dt.timedelta(hours=start_in_hours)
    return services.opportunity_create(
        user=user,
        title=extra.pop("title", "陪老人散步"),
        region=region,
        service_type=extra.pop("service_type", None) or service_type(),
        start=start,
        end=start + dt.timedelta(hours=hours),
        places=places,
        **extra,
    )
