"""Server-side file access through the model: ``UploadedFile.open()``, ``create_from_file``, and
0.1.0's ``open_content``/``upload_data`` on top of them, on the local and memory backends.

Each backend's own reads and writes are proved by the conformance kit's file-access tests.
"""

from __future__ import annotations

import io
import sys
import types

import pytest

from s3_file_uploads.errors import UploadRefused
from s3_file_uploads.hookspecs import hookimpl
from s3_file_uploads.models import UploadedFile, UploadNotCompleted, UploadState
from s3_file_uploads.quotas import QuotaExceeded
from s3_file_uploads.registry import get_backend

REPORT = b"month,total\n2026-10,1200\n2026-11,1350\n" * 1000


@pytest.fixture(params=["local", "memory"])
def storage(request, settings, tmp_path):
    options = {"location": str(tmp_path / "store")} if request.param == "local" else {}
    settings.S3_FILE_UPLOADS = {
        "BACKENDS": {"files": {"BACKEND": request.param, "OPTIONS": options}},
        "PROFILES": {
            "report": {"CONTENT_TYPES": ["text/csv"], "KEY_PREFIX": "reports/", "MAX_SIZE": 1 << 20}
        },
    }
    settings.STORAGE_BACKEND = "files"
    return get_backend("files")


def test_a_file_the_server_makes_becomes_a_completed_row_it_can_read_back(storage, user):
    row = UploadedFile.objects.create_from_file(
        io.BytesIO(REPORT), filename="November report.csv", user=user, profile="report"
    )

    assert row.file_upload_state == UploadState.COMPLETED
    assert (row.profile, row.content_type, row.size) == ("report", "text/csv", len(REPORT))
    assert row.file_key.startswith("reports/") and row.file_key.endswith("/November report.csv")
    assert row.user == user and row.completed_at is not None
    with row.open() as stream:
        assert stream.read() == REPORT
    with row.open(start=6, end=10) as stream:
        assert stream.read() == REPORT[6:11]


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"filename": "r.pdf"}, "Files of type 'application/pdf' are not accepted in 'report'"),
        ({"filename": "r.csv", "size": 2 << 20}, "the limit is 1048576 bytes"),
        ({"filename": "r.csv", "profile": "nope"}, "There is no upload profile 'nope'"),
    ],
)
def test_a_file_that_breaks_its_profile_is_refused_and_nothing_is_kept(
    storage, user, options, says
):
    options = {"profile": "report", **options}
    with pytest.raises(UploadRefused, match=says):
        UploadedFile.objects.create_from_file(io.BytesIO(REPORT), user=user, **options)

    assert not UploadedFile.objects.exists()


def test_a_before_complete_hook_can_refuse_a_server_side_file_too(storage, user, settings):
    vetoes = types.ModuleType("veto_plugin")
    vetoes.s3_file_uploads_before_complete = hookimpl(lambda upload, info: "Scanner says no.")
    sys.modules[vetoes.__name__] = vetoes
    settings.S3_FILE_UPLOADS = {**settings.S3_FILE_UPLOADS, "PLUGINS": [vetoes.__name__]}
    try:
        with pytest.raises(UploadRefused, match=r"Scanner says no\."):
            UploadedFile.objects.create_from_file(
                io.BytesIO(REPORT), filename="r.csv", user=user, profile="report"
            )
    finally:
        del sys.modules[vetoes.__name__]

    row = UploadedFile.objects.get()
    assert row.file_upload_state == UploadState.FAILED
    with pytest.raises(UploadNotCompleted):
        row.open()


def test_a_server_side_file_counts_against_its_users_quota(storage, user, settings):
    profiles = settings.S3_FILE_UPLOADS["PROFILES"]
    settings.S3_FILE_UPLOADS = {
        **settings.S3_FILE_UPLOADS,
        "PROFILES": {"report": {**profiles["report"], "QUOTA": {"BYTES": len(REPORT) + 10}}},
    }
    UploadedFile.objects.create_from_file(
        io.BytesIO(REPORT), filename="a.csv", user=user, profile="report"
    )

    with pytest.raises(QuotaExceeded):
        UploadedFile.objects.create_from_file(
            io.BytesIO(REPORT), filename="b.csv", user=user, profile="report"
        )
    assert UploadedFile.objects.count() == 1


def test_only_a_completed_upload_can_be_opened(storage, user):
    row = UploadedFile.objects.create(user=user, backend="files", file_key="reports/x/a.csv")

    with pytest.raises(UploadNotCompleted, match="only a completed upload can be opened"):
        row.open()


def test_open_content_and_upload_data_work_again_as_in_0_1_0(storage, user):
    row = UploadedFile.objects.create(
        user=user, backend="files", file_key="reports/y/a.csv", content_type="text/csv"
    )

    row.asset_handler.upload_data(REPORT)
    content = row.asset_handler.open_content()

    assert content.getvalue() == REPORT
    assert storage.stat("reports/y/a.csv").size == len(REPORT)
