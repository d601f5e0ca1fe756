"""DRF helpers every app's API uses."""

import copy

from django.core.exceptions import ValidationError
from rest_framework import serializers


class CleanedSerializer(serializers.ModelSerializer):
    """Runs the model's ``clean()`` on the instance as it would be saved (the stored one with the
    request's changes), so the API refuses what the admin does. The stored instance is untouched
    until the save."""

    def validate(self, data):
        probe = copy.copy(self.instance) if self.instance is not None else self.Meta.model()
        for key, value in data.items():
            setattr(probe, key, value)
        try:
            probe.clean()
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return data
