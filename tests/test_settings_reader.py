"""``conf.setting`` and ``conf.options_from_settings``: one rule for when a setting is set."""

from __future__ import annotations

from s3_file_uploads.conf import options_from_settings, setting


def test_the_first_alias_that_is_set_wins(settings):
    settings.READER_PRIMARY = None
    settings.READER_ALIAS = "from-the-alias"

    assert setting("READER_PRIMARY", "READER_ALIAS") == "from-the-alias"
    settings.READER_PRIMARY = "from-the-primary"
    assert setting("READER_PRIMARY", "READER_ALIAS") == "from-the-primary"


def test_none_and_an_empty_string_are_unset_but_false_and_zero_are_read(settings):
    settings.READER_EMPTY = ""
    settings.READER_FALSE = False
    settings.READER_ZERO = 0

    assert setting("READER_EMPTY", default="fallback") == "fallback"
    assert setting("READER_MISSING_ENTIRELY", default="fallback") == "fallback"
    assert setting("READER_FALSE", default=True) is False
    assert setting("READER_ZERO", default=7) == 0


def test_another_settings_object_is_read_when_given(settings):
    settings.READER_PRIMARY = "django's"

    class Other:
        READER_PRIMARY = "the other object's"

    assert setting("READER_PRIMARY", settings=Other()) == "the other object's"
    assert setting("READER_PRIMARY") == "django's"


def test_options_no_setting_provides_are_left_out(settings):
    settings.READER_BUCKET = "media"
    settings.READER_SSL = False
    settings.READER_DOMAIN = ""

    options = options_from_settings(
        {
            "bucket_name": ("READER_NO_SUCH_NAME", "READER_BUCKET"),
            "ssl": "READER_SSL",
            "custom_domain": "READER_DOMAIN",
            "timeout": "READER_TIMEOUT_NEVER_SET",
        },
        settings=settings,
    )

    assert options == {"bucket_name": "media", "ssl": False}
