"""Shared OpenAPI response declarations, so error statuses are documented everywhere."""

from drf_spectacular.utils import OpenApiResponse

from api.serializers import ErrorSerializer

ERROR = OpenApiResponse(ErrorSerializer, description="{code, message, fields}")
READ_ERRORS = {401: ERROR, 403: ERROR}
WRITE_ERRORS = {400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR}
