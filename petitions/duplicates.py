"""Likely duplicates at intake (并单 candidates): open items of the same category, filed in the last
30 days in the same compound (or grid subtree) as the new one, most similar text first.

Similarity uses PostgreSQL's ``pg_trgm`` when the extension is installed (one indexed query,
ranked in the database); without it, Python's ``difflib`` ranks the 20 most recent candidates.
"""

from __future__ import annotations

import datetime as dt
from difflib import SequenceMatcher

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from grids.models import Region
from petitions import permissions
from petitions.models import OPEN_STATUSES, Category, Petition
from petitions.services import normalize_text

WINDOW = dt.timedelta(days=30)
SHOWN = 5
FALLBACK_CANDIDATES = 20


def trigram_available() -> bool:
    """Whether the ``pg_trgm`` extension is installed in this database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')")
        return bool(cursor.fetchone()[0])


def area_path(region: Region) -> str:
    """The subtree searched for duplicates: the chosen region's parent (a grid's compound)."""
    parents = region.ancestor_paths()
    return parents[-2] if len(parents) > 1 else region.path


def candidates(*, user, category: Category, region: Region) -> QuerySet[Petition]:
    """Open, recent items of ``category`` around ``region`` that ``user`` may see (scoped first:
    an item outside the user's scope is never hinted at)."""
    return permissions.scope(Petition.objects.all(), user, permissions.VIEW).filter(
        status__in=OPEN_STATUSES,
        category=category,
        region_path__startswith=area_path(region),
        created_at__gte=timezone.now() - WINDOW,
    )


def likely_duplicates(*, user, category: Category, region: Region, text: str, limit: int = SHOWN) -> list[Petition]:
    """The most similar candidates, each with a ``similarity`` attribute between 0 and 1."""
    qs = candidates(user=user, category=category, region=region).select_related("region", "category")
    wanted = normalize_text(text)
    if not wanted:
        found = list(qs.order_by("-created_at")[:limit])
        for petition in found:
            petition.similarity = 0.0
        return found
    if trigram_available():
        ranked = qs.annotate(similarity=TrigramSimilarity("search_text", wanted))
        return list(ranked.order_by("-similarity", "-created_at")[:limit])
    found = list(qs.order_by("-created_at")[:FALLBACK_CANDIDATES])
    for petition in found:
        petition.similarity = SequenceMatcher(None, petition.search_text, wanted, autojunk=False).ratio()
    found.sort(key=lambda p: (-p.similarity, -p.created_at.timestamp()))
    return found[:limit]
