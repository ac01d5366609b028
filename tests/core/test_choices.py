"""``core.choices.choice_label``: the label a list row shows, equal to ``get_FOO_display()``."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.choices import choice_label
from petitions.models import Deadline, Petition, Status


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_label_is_what_get_display_gives_for_every_value_and_a_stranger(language):
    with translation.override(language):
        for value in [*Status.values, "no-such-status"]:
            petition = Petition(status=value)
            assert petition.status_label == str(petition.get_status_display())
        for value in Deadline.Kind.values:
            deadline = Deadline(kind=value)
            assert deadline.kind_label == str(deadline.get_kind_display())


def test_blank_stays_blank():
    assert choice_label(Status, "") == "" and choice_label(Status, None) == ""
    assert Petition(klass="").klass_label == ""
