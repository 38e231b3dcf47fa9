"""Fixtures shared by the core's tests and every backend's tests: the real storage servers."""

from collections.abc import Iterator

import pytest

pytest_plugins = ["tests.servers.moto", "tests.servers.azurite", "tests.servers.fake_gcs"]
pytest_plugins += ["tests.servers.postgres"]
pytest_plugins += ["tests.servers.localstack"]


@pytest.fixture(scope="session", autouse=True)
def orm_beside_playwright(request: pytest.FixtureRequest) -> Iterator[None]:
    """Playwright's sync API keeps an event loop running in the test thread from the first
    browser test on, and Django refuses ORM calls while one runs; every later test in that
    process, browser or not, makes them synchronously. So, only when the Playwright plugin is
    loaded, Django is told these calls are meant (runs with ``-p no:playwright`` keep its
    check)."""
    if not request.config.pluginmanager.has_plugin("playwright"):
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield
