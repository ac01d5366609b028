"""What other apps add to a micro-wish's pages (the public wish page and the staff's): the records that
point at the wish, such as a subsidised project that names it (``funds.links``). Providers register
from their ``AppConfig.ready`` (``page.register_related``), so volunteers never imports them; the pages
render ``templates/core/_related.html`` through ``volunteers/_wish_related.html``."""

from __future__ import annotations

from core.links import PageExtensions

page = PageExtensions()
