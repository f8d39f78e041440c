from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The one error shape every endpoint returns."""

    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.JSONField(), required=False)  # type: ignore[assignment]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    language = serializers.CharField()


class RoleSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    description = serializers.CharField()
    permissions = serializers.ListField(child=serializers.CharField())
