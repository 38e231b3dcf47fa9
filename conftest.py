"""Fixtures shared by the core's tests and every backend's tests: the real storage servers."""

pytest_plugins = ["tests.servers.moto", "tests.servers.azurite", "tests.servers.fake_gcs"]
pytest_plugins += ["tests.servers.postgres"]
pytest_plugins += ["tests.servers.localstack"]
