from rest_framework import serializers

from accounts.signatures import MEANINGS


class SignatureSerializer(serializers.Serializer):
    """An electronic signature on a decision: the signer's password again, what the signature
    means (each decision has a default) and a reason (the decision's own, where it has one)."""

    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    meaning = serializers.ChoiceField(choices=MEANINGS, required=False)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
