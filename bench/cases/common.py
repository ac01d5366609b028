"""What several cases share: who signs in, where their scope is, and cross-scale comparisons."""

from __future__ import annotations

from bench.harness import CaseResult, Context

STREET_STAFF = "street_staff"  # accounts.demo: bound to 招宝山街道
STREET_PATH = "330211/330211001/"  # grids.demo.ZHAOBAOSHAN_CODE's path
OPEN = ("new", "assigned", "accepted", "waiting")
FLAT_LIMIT = 1.2  # city p95 ≤ 1.2 × district p95


def contexts(ctx: Context) -> list[tuple[str, Context]]:
    """This run's scale, then the one it is compared with (the district, in a city run)."""
    pairs = [(ctx.scale.name, ctx)]
    if ctx.compare is not None:
        pairs.append((ctx.compare.scale.name, ctx.compare))
    return pairs


def check_flat(result: CaseResult, ctx: Context, names: list[str], label: str) -> None:
    """City p95 over district p95 for each named series (measured in the same run); the worst counts."""
    if ctx.compare is None:
        result.check(
            f"{label}: city p95 ≤ {FLAT_LIMIT}× district p95",
            None,
            "<=",
            FLAT_LIMIT,
            "measured in a city run (it measures the district beside it)",
        )
        return
    here, there = ctx.scale.name, ctx.compare.scale.name
    ratios = {}
    for name in names:
        ratios[name] = result.p95(f"{here}: {name}") / result.p95(f"{there}: {name}")
    worst = max(ratios, key=ratios.get)
    detail = "; ".join(f"{name} {value:.2f}" for name, value in ratios.items())
    result.check(f"{label}: {here} p95 ≤ {FLAT_LIMIT}× {there} p95 (worst)", ratios[worst], "<=", FLAT_LIMIT, detail)


def worst_ratio(result: CaseResult, target: str, pairs: dict[str, tuple[float, float]], limit: float, unit="ms"):
    """One check for a family of ratios (numerator, denominator) by series: the worst is measured."""
    ratios = {name: top / bottom for name, (top, bottom) in pairs.items() if bottom}
    worst = max(ratios, key=ratios.get)
    detail = "; ".join(
        f"{name} {pairs[name][0]:.1f}/{pairs[name][1]:.1f} {unit} = {ratios[name]:.2f}" for name in ratios
    )
    return result.check(f"{target} (worst: {worst})", ratios[worst], "<=", limit, detail)
