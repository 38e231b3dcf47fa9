"""The OpenAPI description of the REST API, for drf-spectacular (the ``openapi`` extra).

The views build their replies by hand (see :func:`~s3_file_uploads.serializers.upload_data`), so
the serializers here only describe them: each mirrors one reply key for key and is never used to
build one. ``tests/test_openapi.py`` holds real replies to these shapes.

drf-spectacular is optional: without it, every decorator below returns the view unchanged and
this module still imports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, RegexValidator
from rest_framework import serializers
from rest_framework.settings import api_settings

from .conf import app_setting, max_upload_size
from .contract import ACLS
from .models import OPEN_STATES, UploadState
from .serializers import _TOKEN, PartNumbersSerializer, UploadRequestSerializer

try:
    from drf_spectacular.extensions import OpenApiSerializerFieldExtension
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import (
        OpenApiExample,
        OpenApiParameter,
        OpenApiResponse,
        extend_schema,
        extend_schema_field,
        extend_schema_serializer,
    )
except ImportError:  # the core does not depend on drf-spectacular
    extend_schema = None

F = TypeVar("F", bound=Callable[..., Any])


def _unchanged(target: F) -> F:
    return target


def _field_schema(schema: Any) -> Callable[[F], F]:
    return extend_schema_field(schema) if extend_schema else _unchanged


def _component(name: str) -> Callable[[F], F]:
    return extend_schema_serializer(component_name=name) if extend_schema else _unchanged


# The request.

NO_NUL = r"^[^\u0000]+$"  # DRF's CharField refuses NUL; blank is its own branch

#: What each field of the create request is for, and the form the view accepts it in.
REQUEST_FIELDS = {
    "filename": ("The name shown to people and used in downloads.", NO_NUL),
    "acl": ("The ACLs the project allows (S3_FILE_UPLOADS['ALLOWED_ACLS']).", None),
    "file_key": (
        "Kept for 0.1.0 clients: only ever becomes the key's last, cleaned segment.",
        NO_NUL,
    ),
    "content_type": (
        "The media type, signed into the upload; guessed from `filename` when left out.",
        rf'^{_TOKEN}/{_TOKEN}(?:\s*;\s*{_TOKEN}=(?:{_TOKEN}|"[^"\\\r\n]*"))*$',
    ),
    "size": ("The size in bytes, if known: checked at once and again on complete.", None),
    "multipart": (
        "Send the file in parts (needs `size`); by default, when `size` passes the project's "
        "MULTIPART_THRESHOLD.",
        None,
    ),
    "content_md5": ("The file's MD5 digest, base64.", r"^[A-Za-z0-9+/]{22}==$"),
    "checksum_sha256": (
        "The file's SHA-256 digest, base64; send this or content_md5, not both.",
        r"^[A-Za-z0-9+/]{43}=$",
    ),
}


# The view's own serializer, plus the form its ``validate_*`` methods hold each field to, and the
# project's ACLs and size limit; the docstring is the schema's description.
@_component("UploadRequest")
class DocumentedUploadRequestSerializer(UploadRequestSerializer):
    """The body of create: JSON or a form, every field optional."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name, (help_text, pattern) in REQUEST_FIELDS.items():
            fields[name].help_text = help_text
            if pattern:
                fields[name].validators.append(RegexValidator(pattern))
        fields["acl"].choices = app_setting("ALLOWED_ACLS")
        if (limit := max_upload_size()) is not None:
            fields["size"].validators.append(MaxValueValidator(limit))
        return fields


# The replies.


class UploadSerializer(serializers.Serializer):
    """An upload, as every reply describes it."""

    id = serializers.UUIDField()
    created = serializers.DateTimeField()
    modified = serializers.DateTimeField()
    file_key = serializers.CharField(
        allow_blank=True, help_text="The object key: chosen by the server, never by the client."
    )
    file = serializers.URLField(help_text="This upload: GET downloads it, DELETE removes it.")
    filename = serializers.CharField(allow_blank=True, help_text="The name shown to people.")
    file_path = serializers.CharField(help_text="`file` as a root-relative path.")
    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model()._default_manager.all(),
        allow_null=True,
        help_text="The uploading user's id; null for an anonymous upload.",
    )
    state = serializers.ChoiceField(choices=UploadState.choices)
    backend = serializers.CharField(
        allow_blank=True, help_text="The backend configuration that holds the object."
    )
    acl = serializers.CharField(help_text=f"One of: {', '.join(ACLS)}.")
    content_type = serializers.CharField(allow_blank=True)
    detected_type = serializers.CharField(
        allow_blank=True,
        help_text="The type complete identified from the file's first bytes; empty until then, "
        "and when the upload's profile does not check content.",
    )
    size = serializers.IntegerField(
        allow_null=True,
        help_text="Bytes stored once complete; until then the declared size, if any.",
    )
    max_size = serializers.IntegerField(
        allow_null=True, help_text="The size limit signed into the upload, in bytes."
    )
    completed_at = serializers.DateTimeField(allow_null=True)
    multipart = serializers.BooleanField()


class UploadInstructionSerializer(serializers.Serializer):
    """How the browser sends the bytes: the same shape on every cloud."""

    method = serializers.ChoiceField(
        choices=["POST", "PUT"],
        help_text="POST: a multipart form with every entry of `fields` in order, the file last "
        "(as `file`). PUT: the raw file as the body, with exactly `headers`.",
    )
    url = serializers.CharField(
        help_text="Absolute, or root-relative for the local-disk backend's default set-up."
    )
    fields = serializers.DictField(child=serializers.CharField(allow_blank=True))
    headers = serializers.DictField(child=serializers.CharField(allow_blank=True))
    expires_at = serializers.DateTimeField()


class UploadFormSerializer(serializers.Serializer):
    """A POST instruction in 0.1.0's shape, kept for existing clients."""

    url = serializers.CharField()
    fields = serializers.DictField(child=serializers.CharField(allow_blank=True))


PART_CHECKSUM = serializers.ChoiceField(
    choices=["sha256", "md5"],
    allow_null=True,
    help_text="The checksum each part is signed with: sign parts as `parts: [{part_number, "
    "checksum}]`, the checksum the part's digest in base64. Null: name `part_numbers` only.",
)


class MultipartPlanSerializer(serializers.Serializer):
    """How a multipart upload is split; see docs/multipart.md."""

    part_size = serializers.IntegerField(help_text="Bytes in every part but the last.")
    part_count = serializers.IntegerField()
    max_parts_per_request = serializers.IntegerField()
    concurrency = serializers.IntegerField(help_text="Parts a client should send at once.")
    part_checksum = PART_CHECKSUM
    parts_url = serializers.URLField(help_text="POST to sign parts, GET to list stored parts.")
    abort_url = serializers.URLField()


class MultipartPlanOrFalseField(serializers.Field):
    """The create reply's ``multipart``: the plan, or ``false`` for a single upload."""


class CreatedUploadSerializer(UploadSerializer):
    """The reply to create: the upload, and how to send its bytes."""

    complete_url = serializers.URLField(help_text="POST here once the bytes are sent.")
    upload = UploadInstructionSerializer(
        allow_null=True, help_text="The upload instruction; null for a multipart upload."
    )
    upload_form = UploadFormSerializer(
        allow_null=True, help_text="`upload` in 0.1.0's shape when its method is POST, else null."
    )
    multipart = MultipartPlanOrFalseField(
        help_text="The multipart plan, or false when the file goes in one request."
    )


class CompletedUploadSerializer(UploadSerializer):
    status = serializers.ChoiceField(choices=[UploadState.COMPLETED.value])
    field_value = serializers.CharField(
        help_text="What a Django form's upload field takes to attach this upload: signed, "
        "naming the upload, its profile and its owner (docs/models.md)."
    )


class FailedUploadSerializer(UploadSerializer):
    """The stored object broke a rule: it was deleted and the upload is FAILED."""

    status = serializers.ChoiceField(choices=[UploadState.FAILED.value])
    detail = serializers.CharField(allow_blank=True, help_text="Which rule, and why.")


class CompleteConflictSerializer(serializers.Serializer):
    """Nothing (or not every part) has arrived yet; the upload is unchanged and stays open."""

    detail = serializers.CharField()
    status = serializers.ChoiceField(choices=[state.value for state in OPEN_STATES])
    missing_parts = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Multipart only."
    )
    wrong_size_parts = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Multipart only."
    )


class PartInstructionSerializer(serializers.Serializer):
    """One signed part: a PUT of exactly ``size`` bytes of the file."""

    part_number = serializers.IntegerField()
    method = serializers.ChoiceField(choices=["PUT"])
    url = serializers.CharField()
    size = serializers.IntegerField()
    headers = serializers.DictField(child=serializers.CharField(allow_blank=True))
    expires_at = serializers.DateTimeField()


class SignedPartsSerializer(serializers.Serializer):
    parts = PartInstructionSerializer(many=True)


class StoredPartSerializer(serializers.Serializer):
    part_number = serializers.IntegerField()
    size = serializers.IntegerField()
    etag = serializers.CharField(allow_blank=True)


class StoredPartsSerializer(serializers.Serializer):
    """The parts storage holds so far: send only the others to resume."""

    part_size = serializers.IntegerField()
    part_count = serializers.IntegerField()
    part_checksum = PART_CHECKSUM
    parts = StoredPartSerializer(many=True)


# The errors.


class DetailSerializer(serializers.Serializer):
    """Every refusal that is not about one field."""

    detail = serializers.CharField()


def _messages(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), required=False, **kwargs)


@_field_schema(
    {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": "Messages by the index of each refused item.",
            },
        ]
    }
)
class ItemMessagesField(serializers.Field):
    """A list field's messages: about the list, or about some of its items by index."""


def _field_errors(class_name: str, doc: str, fields: list[str], **extra: Any) -> type:
    attrs: dict[str, Any] = {field: _messages() for field in fields}
    attrs[api_settings.NON_FIELD_ERRORS_KEY] = _messages()
    attrs["detail"] = serializers.CharField(
        required=False, help_text="The body could not be parsed."
    )
    return type(class_name, (serializers.Serializer,), {"__doc__": doc, **attrs, **extra})


CreateErrorsSerializer = _field_errors(
    "CreateErrorsSerializer",
    "What to change, by field: every key is optional.",
    [*UploadRequestSerializer().fields, "checksum"],
)
PartsErrorsSerializer = _field_errors(
    "PartsErrorsSerializer",
    "What to change, by field; or a `detail` when the upload takes no parts.",
    [],
    part_numbers=ItemMessagesField(required=False),
)
FetchErrorsSerializer = _field_errors("FetchErrorsSerializer", "What to change.", ["disposition"])


# The operations.

if extend_schema:

    class MultipartPlanOrFalseExtension(OpenApiSerializerFieldExtension):
        target_class = MultipartPlanOrFalseField

        def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
            plan = auto_schema.resolve_serializer(MultipartPlanSerializer, direction)
            return {"oneOf": [{"type": "boolean", "enum": [False]}, plan.ref]}

    FILE_ID = OpenApiParameter(
        "file_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The upload's id."
    )
    RETRY_AFTER = OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[429, 503],
        required=False,
        description="Seconds to wait before trying again.",
    )
    WWW_AUTHENTICATE = OpenApiParameter(
        "WWW-Authenticate",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[401],
        description="The authentication scheme to use.",
    )
    STANDARD_HEADERS = [RETRY_AFTER, WWW_AUTHENTICATE]

    def _detail(description: str) -> OpenApiResponse:
        return OpenApiResponse(DetailSerializer, description=description)

    REFUSALS = {
        401: _detail(
            "Not authenticated, where the first authentication class answers 401 "
            "(token or basic authentication)."
        ),
        403: _detail(
            "Not allowed: not authenticated where the first authentication class answers 403 "
            "(session authentication) and anonymous uploads are off, or a permission class "
            "refused."
        ),
        502: _detail("Storage refused the request."),
        503: _detail("Storage could not be reached; nothing was changed. Try again shortly."),
    }
    NOT_FOUND = {404: _detail("No upload of the requesting user has this id.")}
    THROTTLED = {
        429: _detail(
            "A throttle rate set in REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'] for this scope "
            "was reached."
        )
    }
    UNSUPPORTED_BODY = {
        413: _detail("The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE; nothing was read."),
        415: _detail("The body is not JSON, form-encoded or multipart."),
    }
    NOT_MULTIPART = _detail(
        "This upload is not a multipart upload, or it is no longer open (completed or failed)."
    )
    NO_BODY = OpenApiResponse(description="Done; no body.")

    def _operation(*, operation_id: str, summary: str, **kwargs: Any) -> Callable[[F], F]:
        kwargs["parameters"] = [*kwargs.get("parameters", []), *STANDARD_HEADERS]
        return extend_schema(operation_id=operation_id, summary=summary, tags=["uploads"], **kwargs)

    create_upload = _operation(
        operation_id="create_upload",
        summary="Create an upload and sign how to send its bytes",
        description="Every field is optional. The reply's `upload` says how to send the bytes "
        "straight to storage; then POST `complete_url`. For a multipart upload, `upload` is "
        "null and `multipart` holds the plan.",
        request=DocumentedUploadRequestSerializer,
        responses={
            201: OpenApiResponse(CreatedUploadSerializer, description="Created."),
            400: OpenApiResponse(CreateErrorsSerializer, description="Refused; nothing stored."),
            **REFUSALS,
            **UNSUPPORTED_BODY,
            **THROTTLED,
        },
        examples=[
            OpenApiExample(
                "A PDF",
                value={"filename": "report.pdf", "content_type": "application/pdf", "size": 4821},
                request_only=True,
            ),
            OpenApiExample(
                "In parts",
                value={"filename": "video.mp4", "size": 900_000, "multipart": True},
                request_only=True,
            ),
        ],
    )
    list_uploads = _operation(
        operation_id="list_uploads",
        summary="The requesting user's uploads, newest first",
        description="At most 100, or paginated with the project's DRF pagination.",
        parameters=[
            OpenApiParameter(
                "state",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=UploadState.values,
                description="Only uploads in this state (any letter case).",
            )
        ],
        responses={200: UploadSerializer(many=True), 401: REFUSALS[401], 403: REFUSALS[403]},
    )
    fetch_upload = _operation(
        operation_id="fetch_upload",
        summary="Download a completed upload",
        description="Redirects to a short-lived signed URL. Only types on the inline allow-list "
        "(`INLINE_CONTENT_TYPES`: raster images, PDF, plain text, audio, video) are served "
        "inline; every other type is an attachment, whatever `disposition` asks.",
        parameters=[
            FILE_ID,
            OpenApiParameter(
                "disposition",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=["attachment", "inline"],
                default="attachment",
                description="`inline` asks for a URL that views the file in the browser.",
            ),
            OpenApiParameter(
                "Location",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[302],
                required=True,
                description="The signed download URL.",
            ),
            OpenApiParameter(
                "Cache-Control",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[302],
                required=True,
                description="`private, no-store`: the signed URL is not to be cached.",
            ),
        ],
        responses={
            302: OpenApiResponse(description="To the signed download URL, in `Location`."),
            400: OpenApiResponse(FetchErrorsSerializer, description="Unknown `disposition`."),
            **NOT_FOUND,
            409: _detail("The upload is not complete, so there is nothing to fetch yet."),
            **REFUSALS,
        },
    )
    delete_upload = _operation(
        operation_id="delete_upload",
        summary="Delete the stored object, any unfinished multipart upload, then the upload",
        parameters=[FILE_ID],
        responses={204: NO_BODY, **NOT_FOUND, **REFUSALS},
    )
    complete_upload = _operation(
        operation_id="complete_upload",
        summary="Check what storage holds and complete the upload",
        description="Calling it again returns the same reply.",
        parameters=[FILE_ID],
        request=None,
        responses={
            200: OpenApiResponse(CompletedUploadSerializer, description="Completed."),
            400: OpenApiResponse(
                FailedUploadSerializer,
                description="The object broke a rule: it was deleted, the upload is FAILED.",
            ),
            **NOT_FOUND,
            409: OpenApiResponse(
                CompleteConflictSerializer,
                description="Nothing (or not every part) has arrived yet: send it, then "
                "complete again.",
            ),
            **REFUSALS,
            **THROTTLED,
        },
    )
    sign_parts = _operation(
        operation_id="sign_upload_parts",
        summary="Sign a batch of parts of a multipart upload",
        parameters=[FILE_ID],
        request=PartNumbersSerializer,
        responses={
            200: SignedPartsSerializer,
            400: OpenApiResponse(
                PartsErrorsSerializer,
                description="Bad part numbers, or the upload takes no parts (`detail`).",
            ),
            **NOT_FOUND,
            **REFUSALS,
            **UNSUPPORTED_BODY,
        },
        examples=[
            OpenApiExample("Three parts", value={"part_numbers": [1, 2, 3]}, request_only=True),
            OpenApiExample(
                "Two parts with their checksums (the plan's part_checksum is sha256)",
                value={
                    "parts": [
                        {
                            "part_number": 1,
                            "checksum": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
                        },
                        {
                            "part_number": 2,
                            "checksum": "LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564=",
                        },
                    ]
                },
                request_only=True,
            ),
        ],
    )
    list_parts = _operation(
        operation_id="list_upload_parts",
        summary="The parts of a multipart upload that storage holds so far",
        parameters=[FILE_ID],
        responses={200: StoredPartsSerializer, 400: NOT_MULTIPART, **NOT_FOUND, **REFUSALS},
    )
    abort_upload = _operation(
        operation_id="abort_upload",
        summary="Discard a multipart upload's parts; the upload becomes FAILED",
        parameters=[FILE_ID],
        request=None,
        responses={
            204: NO_BODY,
            400: NOT_MULTIPART,
            **NOT_FOUND,
            409: _detail("Another request completed the upload first; delete it instead."),
            **REFUSALS,
        },
    )
else:
    create_upload = list_uploads = fetch_upload = delete_upload = _unchanged
    complete_upload = sign_parts = list_parts = abort_upload = _unchanged
