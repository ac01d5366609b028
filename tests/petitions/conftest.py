import pytest
from rest_framework import serializers as drf_serializers


@pytest.fixture
def serializer_fields_built(monkeypatch) -> list[str]:
    """The names of the ModelSerializers that build their fields (DRF's generic path) from now on."""
    built = []
    original = drf_serializers.ModelSerializer.get_fields

    def counting(self):
        built.append(type(self).__name__)
        return original(self)

    monkeypatch.setattr(drf_serializers.ModelSerializer, "get_fields", counting)
    return built
