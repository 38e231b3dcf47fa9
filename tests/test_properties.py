"""Properties of object keys and Content-Disposition headers, for any client input."""

from __future__ import annotations

import re
import string
import unicodedata
from email.headerregistry import HeaderRegistry
from urllib.parse import unquote_to_bytes

from hypothesis import given, settings
from hypothesis import strategies as st

from s3_file_uploads.disposition import content_disposition
from s3_file_uploads.keys import (
    MAX_NAME_BYTES,
    MAX_NAME_LENGTH,
    clean_display_name,
    generate_key,
    safe_name,
)
from s3_file_uploads.media_types import INLINE_SAFE_TYPES, essence

PROFILE = settings(max_examples=300, derandomize=True, database=None)

#: Names a client might send: any text, biased towards path tricks and separators.
TRICKS = ["/", "\\", "..", ".", " ", "\x00", "\r\n", "%2e%2e", "\u202e", "\ufeff", "\u2028"]
#: Long names in scripts of three or four UTF-8 bytes a character, which a cap in characters
#: would let past a file system's 255 bytes.
wide_names = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF) | st.sampled_from("😀🎉"),
    min_size=60,
    max_size=300,
)
names = (
    st.text()
    | st.lists(st.sampled_from(TRICKS) | st.text(max_size=5)).map("".join)
    | st.tuples(wide_names, st.sampled_from(["", ".pdf", ".报告"])).map("".join)
)
prefixes = st.text(alphabet=string.ascii_letters + string.digits + "-_/.", max_size=20)


# Object keys.


@PROFILE
@given(prefix=prefixes, name=names)
def test_key_is_prefix_random_part_and_one_safe_name(prefix, name):
    key = generate_key(prefix, name)

    assert key.startswith(prefix)
    rest = key[len(prefix) :]
    assert rest.count("/") == 1
    random_part, segment = rest.split("/")
    assert re.fullmatch(r"[0-9a-f]{32}", random_part)
    assert segment == safe_name(name)
    assert_safe_segment(segment)


@PROFILE
@given(name=names)
def test_safe_name_is_one_harmless_segment(name):
    assert_safe_segment(safe_name(name))


def assert_safe_segment(segment: str) -> None:
    assert 0 < len(segment) <= MAX_NAME_LENGTH
    assert len(segment.encode()) <= MAX_NAME_BYTES  # a file system's 255-byte segment, with room
    assert "/" not in segment
    assert "\\" not in segment
    assert segment not in (".", "..")
    assert not any(unicodedata.category(ch).startswith("C") for ch in segment)


@PROFILE
@given(prefix=prefixes, name=names)
def test_keys_never_repeat(prefix, name):
    keys = {generate_key(prefix, name) for _ in range(20)}
    assert len(keys) == 20


@PROFILE
@given(name=names)
def test_a_displayed_name_is_one_line_without_invisible_characters(name):
    shown = clean_display_name(name)
    assert len(shown) <= 255
    assert not any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Zl", "Zp"} for ch in shown)
    assert shown.splitlines() in ([], [shown])  # nothing in it ends a line


def test_a_plain_name_survives():
    assert safe_name("report 2026.pdf") == "report 2026.pdf"
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("") == "file"


# Content-Disposition.

TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
QUOTED = r'"(?:[^"\\]|\\.)*"'
PARAM = re.compile(rf";[ \t]*({TOKEN})[ \t]*=[ \t]*({TOKEN}|{QUOTED})[ \t]*")
EXT_VALUE = re.compile(r"(?i:utf-8)'[A-Za-z0-9-]*'((?:[A-Za-z0-9!#$&+.^_`|~-]|%[0-9A-Fa-f]{2})*)")
ACTIVE = ["text/html", "image/svg+xml", "application/xml"]


def parse_rfc6266(header: str) -> tuple[str, dict[str, str]]:
    """RFC 6266 section 4.1: a disposition type, then parameters; strict, or AssertionError."""
    kind = re.match(TOKEN, header)
    assert kind, header
    params: dict[str, str] = {}
    position = kind.end()
    while position < len(header):
        param = PARAM.match(header, position)
        assert param, header[position:]
        name, value = param[1].lower(), param[2]
        assert name not in params, f"duplicate {name}"
        params[name] = value[1:-1] if value.startswith('"') else value
        position = param.end()
    return kind[0].lower(), params


def filename_star(value: str) -> str:
    ext = EXT_VALUE.fullmatch(value)
    assert ext, value
    return unquote_to_bytes(ext[1]).decode("utf-8")


@PROFILE
@given(filename=st.text(min_size=1), inline=st.booleans())
def test_header_is_one_ascii_line_that_parses_back_to_the_name(filename, inline):
    header = content_disposition(filename, inline=inline, content_type="image/png")

    assert header.isascii()
    assert not set(header) & {"\r", "\n", "\x00"}
    assert all(" " <= ch <= "~" for ch in header)
    kind, params = parse_rfc6266(header)
    assert kind == ("inline" if inline else "attachment")
    assert set(params) == {"filename", "filename*"}
    assert filename_star(params["filename*"]) == filename
    fallback = params["filename"]
    assert fallback and '"' not in fallback and "\\" not in fallback
    # Python's own RFC 2231 decoder reads filename* the same way.
    parsed = HeaderRegistry()("Content-Disposition", f"{kind}; filename*={params['filename*']}")
    assert parsed.content_disposition == kind
    assert parsed.params["filename"] == filename


@PROFILE
@given(
    filename=st.text(),
    main=st.sampled_from(ACTIVE),
    case=st.sampled_from([str.lower, str.upper, str.title]),
    suffix=st.sampled_from(["", "; charset=utf-8", " ;charset=UTF-8", "\t"]),
    padding=st.sampled_from(["", " ", "\t"]),
)
def test_inline_is_refused_for_html_svg_and_xml(filename, main, case, suffix, padding):
    content_type = padding + case(main) + suffix
    header = content_disposition(filename, inline=True, content_type=content_type)
    assert parse_rfc6266(header)[0] == "attachment"


@PROFILE
@given(filename=st.text(), content_type=st.sampled_from(["image/png", "application/pdf"]))
def test_inline_is_kept_for_passive_types(filename, content_type):
    header = content_disposition(filename, inline=True, content_type=content_type)
    assert parse_rfc6266(header)[0] == "inline"


@PROFILE
@given(filename=st.text(), content_type=st.text())
def test_inline_holds_only_for_types_on_the_allow_list(filename, content_type):
    header = content_disposition(filename, inline=True, content_type=content_type)
    expected = "inline" if essence(content_type) in INLINE_SAFE_TYPES else "attachment"
    assert parse_rfc6266(header)[0] == expected


def test_no_name_gives_the_bare_type():
    assert content_disposition("") == "attachment"
    assert content_disposition("", inline=True, content_type="image/png") == "inline"
    assert content_disposition("", inline=True) == "attachment"  # no type: never inline
