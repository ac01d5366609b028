"""Draws the petition state machine (``TRANSITIONS``) as a Mermaid diagram for docs/petitions.md."""

from __future__ import annotations

from petitions.models import TRANSITIONS, Status


def mermaid() -> str:
    lines = ["stateDiagram-v2", "    [*] --> new: file", "    [*] --> replied: file (solved on the spot)"]
    for action, (sources, target) in sorted(TRANSITIONS.items()):
        if action == "note":  # allowed everywhere but on merged items; drawn in the legend instead
            continue
        for source in sorted(sources):
            lines.append(f"    {source} --> {target or source}: {action}")
    lines.append("    closed --> [*]")
    lines.append("    merged --> [*]")
    legend = [f"| `{s.value}` | {s.label} |" for s in Status]
    return "```mermaid\n" + "\n".join(lines) + "\n```\n\n| status | meaning |\n| --- | --- |\n" + "\n".join(legend)
