"""Upload a file through the REST API with requests, as any non-browser client does: create the
upload, send the file the way the instruction says, complete, fetch it back.

    python upload.py https://app.example.com report.pdf
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import requests

TIMEOUT = 60


def basic_auth_session(username: str, password: str) -> requests.Session:
    """DRF's BasicAuthentication, on by default: no CSRF token needed. Only over HTTPS."""
    session = requests.Session()
    session.auth = (username, password)
    return session


def token_session(token: str) -> requests.Session:
    """DRF's TokenAuthentication (rest_framework.authtoken), once the project enables it."""
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    return session


def signed_in_session(login_url: str, username: str, password: str) -> requests.Session:
    """Django's session login; DRF then wants the CSRF token on every POST and DELETE."""
    session = requests.Session()
    session.get(login_url, timeout=TIMEOUT).raise_for_status()  # sets the csrftoken cookie
    session.post(
        login_url,
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": login_url},  # Django checks it on HTTPS
        allow_redirects=False,  # a sign-in redirects to a page of the site: not needed here
        timeout=TIMEOUT,
    )
    if "sessionid" not in session.cookies:
        raise SystemExit("Sign-in failed: check the username and password.")
    # Signing in rotated the token: send the new one, and a Referer of this site.
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    session.headers["Referer"] = login_url
    return session


def upload(api: requests.Session, base: str, path: Path) -> tuple[str, bytes]:
    """The upload's id, and the bytes fetched back."""
    data = path.read_bytes()

    # 1. Create. The reply holds the instruction and every URL the next steps need, each one
    #    absolute.
    created = api.post(
        f"{base}/api/s3-file-uploads/",
        json={"filename": path.name, "size": len(data)},
        timeout=TIMEOUT,
    )
    created.raise_for_status()
    upload = created.json()

    # 2. Send the file straight to storage with a plain request: no cookies, no API
    #    credentials. POST means a form, fields in order and the file last; PUT means the file
    #    as the body with exactly the instruction's headers.
    instruction = upload["upload"]
    if instruction["method"] == "POST":
        sent = requests.post(
            instruction["url"],
            data=instruction["fields"],
            files={"file": (path.name, data)},
            timeout=TIMEOUT,
        )
    else:
        sent = requests.put(
            instruction["url"], data=data, headers=instruction["headers"], timeout=TIMEOUT
        )
    sent.raise_for_status()

    # 3. Complete: the server checks what arrived; a 400 says why the file was refused.
    completed = api.post(upload["complete_url"], timeout=TIMEOUT)
    if completed.status_code != 200:
        raise SystemExit(completed.json()["detail"])

    # 4. Fetch: a redirect to a short-lived signed URL, fetched with a plain request too.
    fetched = api.get(upload["file"], allow_redirects=False, timeout=TIMEOUT)
    fetched.raise_for_status()
    download = requests.get(fetched.headers["Location"], timeout=TIMEOUT)
    download.raise_for_status()
    return upload["id"], download.content


if __name__ == "__main__":
    base, path = sys.argv[1].rstrip("/"), Path(sys.argv[2])
    api = basic_auth_session(os.environ["API_USER"], os.environ["API_PASSWORD"])
    upload_id, content = upload(api, base, path)
    print(upload_id, len(content), "bytes fetched back")
