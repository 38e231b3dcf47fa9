"""What a browser does with an upload instruction, over real HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import requests

from ..contract import UploadInstruction

#: Seconds a test waits for storage to answer one request.
TIMEOUT = 30


def send_instruction(
    instruction: UploadInstruction | dict[str, Any],
    body: bytes,
    *,
    storage_base_url: str = "",
    filename: str = "upload.bin",
) -> requests.Response:
    """POST a form (fields first, file last) or PUT the bytes, as the instruction says.

    ``storage_base_url`` prefixes a root-relative URL (a backend served by Django itself signs
    those when asked directly rather than through the API).
    """
    data = instruction.as_dict() if isinstance(instruction, UploadInstruction) else instruction
    url = urljoin(storage_base_url, data["url"])
    if data["method"] == "POST":
        return requests.post(
            url, data=data["fields"], files={"file": (filename, body)}, timeout=TIMEOUT
        )
    return requests.put(url, data=body, headers=data["headers"], timeout=TIMEOUT)
