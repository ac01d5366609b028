"""Accessibility and phone-fit checks for every page a browser test opens.

axe-core (vendored: tests/browser/vendor/axe-core-4.14.1, MPL-2.0, from the npm package) is added
to every page of every browser context the tests open (``CheckedBrowser.new_context``). When a
page has loaded it runs the WCAG 2.x A/AA rules (GB/T 37668 follows WCAG 2.0 AA) and reports the
serious and critical violations back to Python through a binding; a test that leaves any fails
(``tests/conftest.py``, ``_pages_are_accessible``). htmx swaps do not reload the page and are not
checked again; ``checked(browser, page)`` waits for the current page's run and returns its findings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")

_RUN = """
(() => {
  if (window.top !== window) return;
  window.__zhAxeDone = false;
  window.addEventListener('load', () => {
    if (!window.axe) { window.__zhAxeDone = true; return; }
    window.axe.run(document, {runOnly: {type: 'tag', values: __TAGS__}, resultTypes: ['violations']})
      .then((result) => {
        const found = result.violations
          .filter((v) => __IMPACTS__.includes(v.impact))
          .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' '))}));
        return window.__zhAxeReport(location.href, found);
      })
      .catch((error) => window.__zhAxeReport(location.href, [{id: 'axe-error', impact: 'critical',
                                                            help: String(error), nodes: []}]))
      .finally(() => { window.__zhAxeDone = true; });
  });
})();
""".replace("__TAGS__", json.dumps(RULE_TAGS)).replace("__IMPACTS__", json.dumps(list(FAILING_IMPACTS)))


@dataclass
class Finding:
    url: str
    violations: list[dict]


@dataclass
class CheckedBrowser:
    """The Playwright browser, whose new contexts check every page they load."""

    browser: object
    findings: list[Finding] = field(default_factory=list)  # one per page load, clean or not

    def new_context(self, **kwargs):
        context = self.browser.new_context(**kwargs)
        context.add_init_script(path=str(AXE))
        context.expose_binding("__zhAxeReport", self._report)
        context.add_init_script(script=_RUN)
        return context

    def _report(self, source, url: str, violations: list[dict]) -> None:
        self.findings.append(Finding(url, violations))

    def failures(self, since: int = 0) -> list[Finding]:
        return [f for f in self.findings[since:] if f.violations]

    def __getattr__(self, name):
        return getattr(self.browser, name)


def checked(browser: CheckedBrowser, page) -> Finding:
    """Wait for the current page's axe run and return what it found there."""
    page.wait_for_function("window.__zhAxeDone === true", timeout=30_000)
    return next(f for f in reversed(browser.findings) if f.url == page.url)


def describe(failures: list[Finding]) -> str:
    lines = []
    for finding in failures:
        for v in finding.violations:
            lines.append(f"{finding.url}: {v['impact']} {v['id']} — {v['help']} — {', '.join(v['nodes'])}")
    return "\n".join(lines)
