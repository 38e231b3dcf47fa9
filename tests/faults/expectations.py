"""What a refused complete leaves behind, asserted once for the fault tests."""

from s3_file_uploads.models import UploadedFile, UploadState


def assert_refused_with(reply, upload_id: str, reason: str) -> None:
    """The reply is a 400 giving ``reason``, and the row is FAILED for that reason."""
    assert reply.status_code == 400, reply.content
    assert reply.json()["detail"] == reason
    row = UploadedFile.objects.get(pk=upload_id)
    assert (row.file_upload_state, row.failure_reason) == (UploadState.FAILED, reason)
