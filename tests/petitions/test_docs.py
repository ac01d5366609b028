from pathlib import Path

from django.conf import settings
from django.utils import translation

from petitions.diagram import mermaid


def test_the_drawn_state_machine_matches_transitions():
    doc = (Path(settings.BASE_DIR) / "docs" / "petitions.md").read_text()
    drawn = doc.split("<!-- diagram:start -->\n", 1)[1].split("\n<!-- diagram:end -->", 1)[0]
    with translation.override("en"):
        assert drawn.strip() == mermaid().strip(), "docs/petitions.md is stale: regenerate it from petitions.diagram"
