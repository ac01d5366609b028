import pytest

from tests.reports.dataset import KnownSet


@pytest.fixture
def known(tree) -> KnownSet:
    """The known data set of tests/reports/dataset.py, with the rollups rebuilt."""
    from reports import services

    built = KnownSet(tree).build()
    services.rollup_refresh(all_months=True)
    return built
