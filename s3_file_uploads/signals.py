"""Django signals for projects that prefer them to pluggy hooks; sent after the hooks."""

from django.dispatch import Signal

#: Sent once per upload after it became COMPLETED; ``upload`` is the row.
upload_completed = Signal()
#: Sent after an upload's object and row were deleted; ``upload`` is the (unsaved) row.
upload_deleted = Signal()
