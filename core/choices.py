"""Labels of choice values for lists.

``Model.get_FOO_display()`` rebuilds the field's whole choice map on every call, casting each lazy
label to text on the way; a list that shows a status, a class and a deadline kind on every row calls
it a hundred times a page (docs/performance.md, “Where the queue's time goes”). The enum's own
``label`` finds the one label it needs.
"""

from __future__ import annotations

from django.db import models


def choice_label(choices: type[models.Choices], value) -> str:
    """The label of ``value`` in the active language, or ``value`` itself when it is not one of the
    choices (as ``get_FOO_display()`` does); blank stays blank."""
    if value in (None, ""):
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)
