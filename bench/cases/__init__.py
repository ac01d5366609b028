"""The benchmark cases; importing this package registers them (``bench.harness.CASES``).

Adding a case: a module here with a function decorated ``@case("key", title=…, order=…)`` that
takes the :class:`bench.harness.Context` and returns a :class:`bench.harness.CaseResult`, and its
import below. ``bench/cases/status_lookup.py`` is the shortest example.
"""

from bench.cases import (  # noqa: F401
    export,
    funds,
    gridwork,
    intake,
    kpi,
    status_lookup,
    sweep,
    triage,
    volunteers,
)
