"""The REST endpoints: create an upload, complete it, fetch it, delete it, list them.

Views speak to storage only through the backend contract, and translate the library's errors
into replies that say what to change: 4xx for the client's mistakes, 503 with ``Retry-After``
when storage cannot be reached.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpResponseRedirect
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from . import schema
from .completion import NotUploadedYet, UploadGone, complete_upload
from .contract import UploadInstruction
from .creation import ChecksumRefused, CreateRefused, create_upload
from .deletion import NotOpen, abort_upload, delete_upload
from .errors import AclNotSupported, UploadRefused
from .field_values import sign_field_value
from .models import OPEN_STATES, UploadedFile, UploadState
from .multipart import (
    PartsMissing,
    part_checksum_algorithm,
    plan_data,
    sign_parts,
    stored_parts,
)
from .parsers import LimitedJSONParser, refuse_oversized_body
from .permissions import permission_classes
from .plugins import hook
from .quotas import QuotaExceeded
from .renderers import browsable_api, usable_renderers
from .serializers import (
    PartNumbersSerializer,
    UploadRequestSerializer,
    upload_data,
)
from .storage_replies import storage_error_reply
from .throttling import COMPLETE_SCOPE, CREATE_SCOPE, UploadRateThrottle, profile_throttle_wait

#: Most rows a list returns when the project sets no DRF pagination.
UNPAGINATED_LIST_LIMIT = 100


class UploadView(generics.GenericAPIView):
    """Shared plumbing: permissions from settings, owner-scoped rows, storage errors as replies."""

    #: The POST body OPTIONS describes (DRF's metadata asks every view with POST for one); views
    #: that take a body name theirs.
    serializer_class = serializers.Serializer

    #: The endpoint each HTTP method is, for ``PERMISSION_CLASSES`` given per endpoint.
    endpoints: dict[str, str] = {}

    def get_renderers(self) -> list[Any]:
        return usable_renderers(super().get_renderers())

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        """Without the browsable API, JSON even for a client that asked for HTML only."""
        return super().perform_content_negotiation(request, force or not browsable_api())

    def get_parsers(self) -> list[Any]:
        """The configured parsers, with DRF's JSON parser swapped for one that cannot 500."""
        return [
            LimitedJSONParser() if type(parser) is JSONParser else parser
            for parser in super().get_parsers()
        ]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        refuse_oversized_body(request)
        super().initial(request, *args, **kwargs)

    def get_permissions(self) -> list[Any]:
        endpoint = self.endpoints.get(self.request.method, "")
        return [permission() for permission in permission_classes(endpoint)]

    def get_queryset(self) -> Any:
        return UploadedFile.objects.owned_by(self.request.user)

    def permission_denied(self, request: Request, message: str | None = None, code=None) -> None:
        """DRF drops the permission's message for anonymous users; keep it, it says what to do."""
        if request.authenticators and not request.successful_authenticator:
            raise NotAuthenticated(message or None, code)
        super().permission_denied(request, message, code)

    def get_upload(self, file_id: UUID) -> UploadedFile:
        try:
            return self.get_queryset().get(pk=file_id)
        except UploadedFile.DoesNotExist:
            raise NotFound("No upload of yours has this id.") from None

    def handle_exception(self, exc: Exception) -> Response:
        reply = storage_error_reply(exc, upload_id=self.kwargs.get("file_id"))
        return reply if reply is not None else super().handle_exception(exc)


class UploadedFileCreateView(UploadView):
    """``POST``: a new upload and its signed instruction. ``GET``: the user's uploads."""

    endpoints = {"POST": "create", "GET": "list"}
    throttle_classes = [UploadRateThrottle]
    serializer_class = UploadRequestSerializer

    @property
    def throttle_scope(self) -> str | None:
        return CREATE_SCOPE if self.request.method == "POST" else None

    @schema.list_uploads
    def get(self, request: Request) -> Response:
        rows = UploadedFile.objects.listable_by(request.user)
        if state := request.query_params.get("state"):
            # Only known states reach the database: PostgreSQL refuses text with NUL (a 500).
            known = state.upper() in UploadState.values
            rows = rows.filter(file_upload_state=state.upper()) if known else rows.none()
        page = self.paginate_queryset(rows)
        if page is not None:
            return self.get_paginated_response([upload_data(r, request) for r in page])
        return Response([upload_data(r, request) for r in rows[:UNPAGINATED_LIST_LIMIT]])

    @schema.create_upload
    def post(self, request: Request) -> Response:
        serializer = UploadRequestSerializer(
            data=request.data, context={"request": request, "view": self}
        )
        serializer.is_valid(raise_exception=True)
        wanted = serializer.validated_data
        if wait := profile_throttle_wait(request, wanted["profile"]):
            self.throttled(request, wait)
        try:
            created = create_upload(wanted, user=request.user, request=request)
        except CreateRefused as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_403_FORBIDDEN)
        except QuotaExceeded as exceeded:
            return Response(exceeded.as_dict(), status=status.HTTP_403_FORBIDDEN)
        except AclNotSupported as refusal:
            return Response({"acl": [str(refusal)]}, status=status.HTTP_400_BAD_REQUEST)
        except ChecksumRefused as refusal:
            return Response({"checksum": [str(refusal)]}, status=status.HTTP_400_BAD_REQUEST)
        except UploadRefused as refusal:
            return Response({"size": [str(refusal)]}, status=status.HTTP_400_BAD_REQUEST)
        hook().s3_file_uploads_upload_created(upload=created.upload, request=request)
        return Response(
            self._reply(created.upload, created.instruction, request),
            status=status.HTTP_201_CREATED,
        )

    @staticmethod
    def _reply(
        row: UploadedFile, instruction: UploadInstruction | None, request: Request
    ) -> dict[str, Any]:
        data = upload_data(row, request)
        base = data["file_path"]  # row.file_path, already reversed by upload_data
        data["complete_url"] = request.build_absolute_uri(f"{base}complete/")
        data["upload"] = instruction and {
            **instruction.as_dict(),
            "url": request.build_absolute_uri(instruction.url),
        }
        data["upload_form"] = (
            {"url": data["upload"]["url"], "fields": dict(instruction.fields)}
            if instruction and instruction.method == "POST"
            else None
        )
        data["multipart"] = row.is_multipart and plan_data(
            row,
            request,
            {"parts_url": f"{base}parts/", "abort_url": f"{base}abort/"},
        )
        return data


class UploadedFileUploadCompleteView(UploadView):
    """``POST``: check what storage holds and mark the upload complete (or failed)."""

    endpoints = {"POST": "complete"}
    throttle_classes = [UploadRateThrottle]
    throttle_scope = COMPLETE_SCOPE

    @schema.complete_upload
    def post(self, request: Request, file_id: UUID) -> Response:
        upload = self.get_upload(file_id)
        try:
            outcome = complete_upload(upload)
        except PartsMissing as gap:
            return Response(
                {
                    "detail": "Some parts are not stored yet; send them, then complete again.",
                    "missing_parts": gap.missing,
                    "wrong_size_parts": gap.wrong_size,
                    "status": upload.file_upload_state,
                },
                status=status.HTTP_409_CONFLICT,
            )
        except UploadGone:
            raise NotFound(
                "This upload was deleted while it was being completed; nothing is stored."
            ) from None
        except NotUploadedYet:
            return Response(
                {
                    "detail": "No file has arrived for this upload yet: send it as the upload "
                    "instruction says, then complete.",
                    "status": upload.file_upload_state,
                },
                status=status.HTTP_409_CONFLICT,
            )
        data = upload_data(outcome.upload, request)
        if outcome.upload.file_upload_state == UploadState.COMPLETED:
            # Only the owner reaches this reply: the value a form submits to attach the upload.
            field_value = sign_field_value(outcome.upload)
            return Response({**data, "status": UploadState.COMPLETED, "field_value": field_value})
        return Response(
            {**data, "status": UploadState.FAILED, "detail": outcome.reason},
            status=status.HTTP_400_BAD_REQUEST,
        )


class UploadedFileFetchView(UploadView):
    """``GET``: redirect to a short-lived download URL. ``DELETE``: remove object and row."""

    endpoints = {"GET": "fetch", "DELETE": "delete"}
    DISPOSITIONS = ("attachment", "inline")

    @schema.fetch_upload
    def get(self, request: Request, file_id: UUID) -> HttpResponseRedirect | Response:
        disposition = request.query_params.get("disposition", "attachment")
        if disposition not in self.DISPOSITIONS:
            return Response(
                {"disposition": [f"Use one of: {', '.join(self.DISPOSITIONS)}."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        upload = self.get_upload(file_id)
        if upload.file_upload_state != UploadState.COMPLETED:
            return Response(
                {"detail": "This upload is not complete, so there is nothing to fetch yet."},
                status=status.HTTP_409_CONFLICT,
            )
        url = upload.get_view_url() if disposition == "inline" else upload.get_download_url()
        response = HttpResponseRedirect(request.build_absolute_uri(url))
        response["Cache-Control"] = "private, no-store"
        return response

    @schema.delete_upload
    def delete(self, request: Request, file_id: UUID) -> Response:
        delete_upload(self.get_upload(file_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MultipartView(UploadView):
    """Shared lookup: an open multipart upload of the requesting user."""

    def get_open_multipart(self, file_id: UUID) -> UploadedFile:
        upload = self.get_upload(file_id)
        if not upload.is_multipart:
            raise ValidationError({"detail": "This upload is not a multipart upload."})
        if upload.file_upload_state not in OPEN_STATES:
            raise ValidationError(
                {"detail": f"This upload is {upload.file_upload_state.lower()}; it takes no parts."}
            )
        return upload


class UploadedFilePartsView(MultipartView):
    """``POST``: sign a batch of parts. ``GET``: the parts stored so far, for resuming."""

    endpoints = {"POST": "parts", "GET": "parts"}
    serializer_class = PartNumbersSerializer

    @schema.sign_parts
    def post(self, request: Request, file_id: UUID) -> Response:
        upload = self.get_open_multipart(file_id)
        numbers = PartNumbersSerializer(
            data=request.data,
            context={
                "part_count": upload.part_count,
                "part_checksum": part_checksum_algorithm(upload),
            },
        )
        numbers.is_valid(raise_exception=True)
        signed = numbers.validated_data
        try:
            parts = sign_parts(upload, signed["part_numbers"], signed["checksums"])
        except UploadRefused as refusal:  # storage asks for what the request did not name
            raise ValidationError({"detail": str(refusal)}) from None
        return Response(
            {
                "parts": [
                    {**part.as_dict(), "url": request.build_absolute_uri(part.url)}
                    for part in parts
                ]
            }
        )

    @schema.list_parts
    def get(self, request: Request, file_id: UUID) -> Response:
        upload = self.get_open_multipart(file_id)
        parts = stored_parts(upload)
        return Response(
            {
                "part_size": upload.part_size,
                "part_count": upload.part_count,
                "part_checksum": part_checksum_algorithm(upload) or None,
                "parts": [
                    {"part_number": p.part_number, "size": p.size, "etag": p.etag} for p in parts
                ],
            }
        )


class UploadedFileAbortView(MultipartView):
    """``POST``: discard the stored parts; the upload becomes ``FAILED``."""

    endpoints = {"POST": "abort"}

    @schema.abort_upload
    def post(self, request: Request, file_id: UUID) -> Response:
        upload = self.get_open_multipart(file_id)
        try:
            abort_upload(upload)
        except NotOpen as settled:
            return Response(
                {
                    "detail": "This upload completed before it could be aborted; delete it "
                    "instead if you no longer want it.",
                    "status": settled.args[0],
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(status=status.HTTP_204_NO_CONTENT)
