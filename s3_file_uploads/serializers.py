"""What a client may ask for when creating an upload, and what every reply says about one."""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import mimetypes
import re
from typing import Any

from rest_framework import serializers
from rest_framework.fields import DateTimeField

from .contract import ACLS, PRIVATE, Checksum
from .keys import clean_display_name
from .media_types import DEFAULT_CONTENT_TYPE, names_a_real_type
from .models import UploadedFile
from .multipart import MAX_PARTS_PER_BATCH
from .permissions import may_use
from .profiles import DEFAULT_PROFILE, Profile, get_profile, profiles

#: ``type/subtype`` with optional parameters, as RFC 9110 spells a media type.
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"  # noqa: S105 (an RFC 9110 token)
MEDIA_TYPE = re.compile(rf"^{_TOKEN}/{_TOKEN}(\s*;\s*{_TOKEN}=(?:{_TOKEN}|\"[^\"\\\r\n]*\"))*$")
_datetime = DateTimeField()
#: How the part checksum algorithms are named in what a client reads.
DIGEST_NAMES = {"sha256": "a SHA-256", "md5": "an MD5"}


class ProfileField(serializers.ChoiceField):
    """A profile's name in, the :class:`~s3_file_uploads.profiles.Profile` out.

    Its choices are read from the settings each time, so the OpenAPI schema lists the profiles
    that exist. A profile the requesting user may not use is refused like an unknown one, with
    the list of those the user may use.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[], **kwargs)

    @property
    def choices(self) -> dict[str, str]:
        return {name: name for name in profiles()}

    @choices.setter
    def choices(self, value: Any) -> None:
        """Choices come from the settings; DRF's setter has nothing to keep."""

    @property
    def grouped_choices(self) -> dict[str, str]:
        """What the browsable API's form lists."""
        return self.choices

    @grouped_choices.setter
    def grouped_choices(self, value: Any) -> None:
        """Derived from the settings, like the choices."""

    @property
    def choice_strings_to_values(self) -> dict[str, str]:
        return self.choices

    @choice_strings_to_values.setter
    def choice_strings_to_values(self, value: Any) -> None:
        """Derived from the settings, like the choices."""

    @property
    def help_text(self) -> str:
        """Each profile's limits, for the OpenAPI schema."""
        described = []
        for profile in profiles().values():
            size = f"up to {profile.max_size} bytes" if profile.max_size else "any size"
            quota = f", quota {profile.quota.bytes} bytes" if profile.quota.bytes else ""
            types = ", ".join(profile.content_types)
            described.append(f"`{profile.name}`: {size} of {types}{quota}")
        return "The upload profile (`default` when left out). " + "; ".join(described) + "."

    @help_text.setter
    def help_text(self, value: Any) -> None:
        """The text comes from the settings."""

    def to_internal_value(self, data: Any) -> Profile:
        request = self.context.get("request")
        view = self.context.get("view")
        profile = get_profile(data) if isinstance(data, str) else None
        if profile is None or not may_use(profile, request, view):
            usable = [p.name for p in profiles().values() if may_use(p, request, view)]
            raise serializers.ValidationError(
                f"There is no profile '{data}' you may use; use one of: "
                f"{', '.join(usable) or 'none'}."
            )
        return profile

    def to_representation(self, value: Any) -> str:
        return getattr(value, "name", value)


class UploadRequestSerializer(serializers.Serializer):
    """The body of ``POST /``: JSON or form-encoded, every field optional."""

    profile = ProfileField(required=False)
    filename = serializers.CharField(required=False, allow_blank=True, max_length=1024, default="")
    acl = serializers.ChoiceField(choices=ACLS, required=False)
    file_key = serializers.CharField(required=False, allow_blank=True, max_length=1024)
    content_type = serializers.CharField(required=False, allow_blank=True, max_length=255)
    size = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    multipart = serializers.BooleanField(required=False, allow_null=True, default=None)
    content_md5 = serializers.CharField(required=False, max_length=64)
    checksum_sha256 = serializers.CharField(required=False, max_length=64)

    def validate_content_md5(self, value: str) -> str:
        return _base64_digest(value, 16, DIGEST_NAMES["md5"])

    def validate_checksum_sha256(self, value: str) -> str:
        return _base64_digest(value, 32, DIGEST_NAMES["sha256"])

    def get_fields(self) -> dict[str, serializers.Field]:
        """Shallow copies of the declared fields, each with its own validators list.

        DRF deep-copies every declared field for each serializer; on create that was half of
        the validation time (profile it with ``benchmarks/breakdown.py``). The fields here hold
        no mutable state but their validators, which each copy gets afresh.
        """
        fields = {}
        for name, declared in self._declared_fields.items():
            field = copy.copy(declared)
            field.validators = list(declared.validators)
            fields[name] = field
        return fields

    def validate_filename(self, value: str) -> str:
        return clean_display_name(value)

    def validate_content_type(self, value: str) -> str:
        value = value.strip()
        if value and not MEDIA_TYPE.match(value):
            raise serializers.ValidationError(
                f"'{value}' is not a media type; send one like 'image/png' or leave it out."
            )
        if value and not names_a_real_type(value):
            raise serializers.ValidationError(
                f"'{value}' does not say what the file is, so a browser would guess; send the "
                "file's real type (like 'image/png'), 'application/octet-stream' for any "
                "binary, or leave it out to have it guessed from the name."
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        profile = attrs.get("profile") or get_profile(DEFAULT_PROFILE)
        if profile is None:
            raise serializers.ValidationError({"profile": "No upload profile is configured."})
        attrs["profile"] = profile
        attrs["acl"] = acl = attrs.get("acl") or profile.default_acl
        if acl not in profile.acls:
            raise serializers.ValidationError({"acl": _acl_refusal(acl, profile)})
        limit = profile.max_size
        size = attrs.get("size")
        if size is not None and limit is not None and size > limit:
            raise serializers.ValidationError(
                {"size": f"The file is {size} bytes; the limit is {limit} bytes."}
            )
        if profile.quota.bytes is not None and size is None:
            raise serializers.ValidationError(
                {
                    "size": f"The '{profile.name}' profile has a storage quota: send the "
                    "file's size in bytes."
                }
            )
        if "content_md5" in attrs and "checksum_sha256" in attrs:
            raise serializers.ValidationError(
                {"checksum_sha256": "Send one checksum: content_md5 or checksum_sha256."}
            )
        if attrs.get("multipart") and not size:
            raise serializers.ValidationError(
                {"size": "A multipart upload needs the file's size in bytes."}
            )
        if not attrs.get("content_type"):
            guessed, _ = mimetypes.guess_type(attrs.get("filename") or "", strict=False)
            attrs["content_type"] = guessed or DEFAULT_CONTENT_TYPE
        if not profile.accepts_type(attrs["content_type"]):
            allowed = ", ".join(profile.content_types)
            raise serializers.ValidationError(
                {
                    "content_type": f"Files of type '{attrs['content_type']}' are not accepted "
                    f"here; accepted: {allowed}."
                }
            )
        attrs["checksum"] = requested_checksum(attrs)
        return attrs


def _acl_refusal(acl: str, profile: Profile) -> str:
    where = (
        "S3_FILE_UPLOADS['ALLOWED_ACLS']"
        if profile.name == DEFAULT_PROFILE
        else f"S3_FILE_UPLOADS['PROFILES']['{profile.name}']['ACLS']"
    )
    return (
        f"The '{acl}' ACL is not allowed here; allowed: {', '.join(profile.acls)}. "
        f"A project enables more with {where}."
    )


def _base64_digest(value: str, length: int | None, name: str, of: str = "the file") -> str:
    """``value``, if it is the base64 of a digest of ``length`` bytes (any length for None);
    ``name`` (``an MD5``) and ``of`` (what was hashed) word the refusal."""
    try:
        digest: bytes | None = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        digest = None
    if digest is None or (length is not None and len(digest) != length):
        chars = f" ({4 * -(-length // 3)} characters)" if length else ""
        raise serializers.ValidationError(f"Send {name} digest of {of}, base64-encoded{chars}.")
    return value


def requested_checksum(attrs: dict[str, Any]) -> Checksum | None:
    if "checksum_sha256" in attrs:
        return Checksum("sha256", attrs["checksum_sha256"])
    if "content_md5" in attrs:
        return Checksum("md5", attrs["content_md5"])
    return None


def upload_data(upload: UploadedFile, request: Any) -> dict[str, Any]:
    """The seed's keys, plus what the server now records; built by hand, as it is on every reply."""
    file_path = upload.file_path
    return {
        "id": str(upload.id),
        "created": _datetime.to_representation(upload.created),
        "modified": _datetime.to_representation(upload.modified),
        "file_key": upload.file_key,
        "file": request.build_absolute_uri(file_path),
        "filename": upload.filename,
        "file_path": file_path,
        "user": upload.user_id,
        "state": upload.file_upload_state,
        "profile": upload.profile,
        "backend": upload.backend,
        "acl": upload.acl,
        "content_type": upload.content_type,
        "detected_type": upload.detected_type,
        "size": upload.size if upload.size is not None else upload.declared_size,
        "max_size": upload.size_limit,
        "completed_at": upload.completed_at and _datetime.to_representation(upload.completed_at),
        "multipart": upload.is_multipart,
    }


class DeclaredPartSerializer(serializers.Serializer):
    """One part to sign with the checksum of its bytes (base64, in the plan's ``part_checksum``)."""

    part_number = serializers.IntegerField(min_value=1)
    checksum = serializers.CharField(max_length=128)


class PartNumbersSerializer(serializers.Serializer):
    """The body of ``POST /<id>/parts/``: which parts to sign, by number (``part_numbers``) or
    each with its checksum (``parts``), or both; ``validated_data`` has both, merged."""

    part_numbers = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        max_length=MAX_PARTS_PER_BATCH,
        required=False,
        default=list,
    )
    parts = DeclaredPartSerializer(
        many=True,
        required=False,
        default=list,
        max_length=MAX_PARTS_PER_BATCH,
        error_messages={"max_length": f"Sign at most {MAX_PARTS_PER_BATCH} parts per request."},
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        checksums = _declared_checksums(attrs["parts"], self.context.get("part_checksum", ""))
        numbers = sorted(set(attrs["part_numbers"]) | set(checksums))
        if not numbers:
            raise serializers.ValidationError(
                {"part_numbers": "Name at least one part, in part_numbers or parts."}
            )
        if len(numbers) > MAX_PARTS_PER_BATCH:
            raise serializers.ValidationError(
                {"part_numbers": f"Sign at most {MAX_PARTS_PER_BATCH} parts per request."}
            )
        count = self.context["part_count"]
        if beyond := [n for n in numbers if n > count]:
            raise serializers.ValidationError(
                {"part_numbers": f"This upload has {count} parts; there is no part {beyond[0]}."}
            )
        return {"part_numbers": numbers, "checksums": checksums}


def _declared_checksums(parts: list[dict[str, Any]], algorithm: str) -> dict[int, str]:
    """Each declared part's checksum by number: a part declared twice, or a checksum that is not
    a digest of the plan's ``part_checksum`` algorithm (base64 at least, where the plan has
    none), is refused rather than guessed at."""
    size = hashlib.new(algorithm).digest_size if algorithm else None
    name = DIGEST_NAMES.get(algorithm, f"a {algorithm}") if algorithm else "a"
    checksums: dict[int, str] = {}
    for part in parts:
        number, checksum = part["part_number"], part["checksum"]
        if number in checksums:
            raise serializers.ValidationError(
                {
                    "parts": f"Declare each part once; this request declares part {number} more "
                    "than once."
                }
            )
        try:
            checksums[number] = _base64_digest(checksum, size, name, f"part {number}'s bytes")
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"parts": exc.detail}) from None
    return checksums


# 0.1.0's serializers, kept for projects that nest, extend or validate with them ----------------


class AbsoluteURLField(serializers.URLField):
    """A read-only URL, made absolute with the request in the context when there is one."""

    def to_representation(self, value: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(value) if request is not None and value else value


class UploadedFileSerializer(serializers.ModelSerializer):
    """0.1.0's representation of an upload, for a project's own serializers and views.

    ``file`` is a short-lived signed download URL, as in 0.1.0 (the API's own replies give the
    fetch endpoint instead, and build them by hand for speed). Writing takes ``filename`` and
    ``user``; with a request in the context, ``user`` may only be the requesting user.
    """

    file = AbsoluteURLField(source="get_download_url", read_only=True)

    class Meta:
        model = UploadedFile
        fields = [
            "id",
            "created",
            "modified",
            "file_key",
            "file",
            "filename",
            "file_path",
            "user",
        ]
        read_only_fields = ["id", "created", "modified", "file_key", "file_path"]

    def validate_filename(self, value: str) -> str:
        return clean_display_name(value)

    def validate_user(self, value: Any) -> Any:
        request = self.context.get("request")
        if request is None or value is None:
            return value
        if value.pk != getattr(request.user, "pk", None):
            raise serializers.ValidationError("An upload can only be made for yourself.")
        return value


class AccessControlListSerializer(serializers.Serializer):
    """0.1.0's ACL choice, now held to ``S3_FILE_UPLOADS['ALLOWED_ACLS']``."""

    acl = serializers.ChoiceField(choices=ACLS, default=PRIVATE)

    def validate_acl(self, value: str) -> str:
        profile = get_profile(DEFAULT_PROFILE)
        if value not in profile.acls:
            raise serializers.ValidationError(_acl_refusal(value, profile))
        return value


class UploadFieldsMixin:
    """Maps each :class:`~s3_file_uploads.fields.UploadField` of a ``ModelSerializer``'s model to
    an :class:`~s3_file_uploads.fields.UploadedFilePrimaryKeyRelatedField` of its profile: the
    requesting user's own completed uploads of that profile, and nothing else.

    The app maps them in every ``ModelSerializer`` at start-up (``drf_mapping``); this mixin
    keeps doing it for a serializer whose base class builds relations its own way.
    """

    def build_relational_field(self, field_name: str, relation_info: Any) -> tuple[type, dict]:
        from .drf_mapping import upload_relation

        built = super().build_relational_field(field_name, relation_info)
        return upload_relation(*built, relation_info)


class UploadModelSerializer(UploadFieldsMixin, serializers.ModelSerializer):
    """A ``ModelSerializer`` whose upload fields accept only the requesting user's own
    completed uploads of the field's profile (the request comes from the context)."""
