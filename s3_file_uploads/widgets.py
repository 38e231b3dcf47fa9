"""The widget of an upload form field: a file input that also works without JavaScript.

With JavaScript, ``widget.js`` sends the chosen file straight to storage through the API and
puts the signed field value it gets back into the hidden input, so the form carries no bytes.
Without it, the same file input posts the file to Django with the form.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

from django import forms
from django.core.files.uploadedfile import UploadedFile as PostedFile
from django.forms.utils import flatatt
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse

from .errors import StorageError
from .field_values import sign_field_value, sign_kept_value
from .models import UploadedFile
from .profiles import get_profile

logger = logging.getLogger(__name__)

#: The API's create endpoint, where the widget's script starts each upload.
CREATE_VIEW = "s3_file_uploads:upload-file-create"
#: Marks a row the form took from its sender (a value they sent, a file they posted): shown
#: again, it gets its full field value; any other row gets a value that only keeps it.
CHOSEN = "_s3fu_chosen"


class SubmittedUpload(NamedTuple):
    """What the widget's inputs send: the signed value, a file posted without JavaScript, and
    whether "clear" was ticked."""

    value: str
    file: PostedFile | None
    clear: bool


class UploadWidget(forms.Widget):
    """The current file with its download link, a "clear" box, a file input, a progress bar and
    a cancel button; ``endpoint`` is the API's create URL (reversed when left out)."""

    template_name = "s3_file_uploads/widgets/upload.html"
    needs_multipart_form = True

    def __init__(self, attrs: dict[str, Any] | None = None, *, endpoint: str | None = None) -> None:
        super().__init__(attrs)
        self.endpoint = endpoint
        #: Set by the form field: the profile uploads are made under.
        self.profile = "default"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, None, attrs)
        upload = value if isinstance(value, UploadedFile) else None
        profile = get_profile(self.profile)
        types = profile.content_types if profile else ()
        context["widget"].update(
            upload=upload,
            upload_name=str(upload) if upload else "",
            field_value=_field_value(upload),
            download_url=_download_url(upload),
            endpoint=self.endpoint or _create_endpoint(),
            profile=self.profile,
            accept="" if "*/*" in types else ",".join(types),
            file_name=f"{name}-file",
            # The attributes a form gives the widget (class, disabled...) go to the file input,
            # but not "required": the input is empty again once its file went to storage.
            file_attrs=flatatt(
                {
                    key: value
                    for key, value in context["widget"]["attrs"].items()
                    if key not in ("id", "required")
                }
            ),
            clear_name=f"{name}-clear",
            script=static("s3_file_uploads/widget.js"),
        )
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> SubmittedUpload:
        return SubmittedUpload(
            value=data.get(name) or "",
            file=files.get(f"{name}-file"),
            clear=bool(data.get(f"{name}-clear")),
        )

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}-file" not in files and f"{name}-clear" not in data

    def id_for_label(self, id_: str) -> str:
        """The label points at the file input, the one a person uses."""
        return f"{id_}-file" if id_ else id_


def _field_value(upload: UploadedFile | None) -> str:
    """What the hidden input holds: whoever sees the form is not necessarily the owner."""
    if upload is None:
        return ""
    return sign_field_value(upload) if getattr(upload, CHOSEN, False) else sign_kept_value(upload)


def _download_url(upload: UploadedFile | None) -> str:
    """A short-lived download link for the current file; none while storage cannot sign."""
    if upload is None:
        return ""
    try:
        return upload.get_download_url()
    except StorageError:
        logger.warning(
            "No download link for upload %s (backend %s, key %s): storage cannot sign now",
            upload.pk,
            upload.backend,
            upload.file_key,
        )
        return ""


def _create_endpoint() -> str:
    try:
        return reverse(CREATE_VIEW)
    except NoReverseMatch:
        return ""
