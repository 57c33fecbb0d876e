"""Configuration: precedence, validation and derived values."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from server.config import (
    ApiSettings,
    ConfigError,
    FederationSettings,
    InstanceSettings,
    MediaSettings,
    MetricsSettings,
    NetworkSettings,
    RetentionSettings,
    load_config,
)


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "warmline.toml"
    path.write_text(text)
    return str(path)


def test_flags_beat_environment_beat_file(tmp_path: Path) -> None:
    config_file = write(tmp_path, '[server]\ndomain = "file.example"\nlisten = "127.0.0.1:7000"\n')
    env = {"WARMLINE_DOMAIN": "env.example", "WARMLINE_CONFIG": config_file}
    assert load_config(environ=env).domain == "env.example"
    assert load_config(environ=env, domain="flag.example").domain == "flag.example"
    assert load_config(environ={"WARMLINE_CONFIG": config_file}).domain == "file.example"
    assert load_config(environ=env).listen_port == 7000


def test_every_flag_has_an_environment_variable(tmp_path: Path) -> None:
    env = {
        "WARMLINE_DOMAIN": "social.example:8443",
        "WARMLINE_LISTEN": "0.0.0.0:9000",
        "WARMLINE_DATA": str(tmp_path / "d"),
        "WARMLINE_DATABASE_URL": "sqlite+aiosqlite:///x.db",
        "WARMLINE_DEV": "true",
    }
    config = load_config(environ=env)
    assert config.domain == "social.example:8443"
    assert (config.listen_host, config.listen_port) == ("0.0.0.0", 9000)
    assert config.data_dir == tmp_path / "d"
    assert config.effective_database_url == "sqlite+aiosqlite:///x.db"
    assert config.dev is True
    assert config.base_url == "http://social.example:8443"
    assert config.host == "social.example"


def test_production_ids_are_https_and_need_a_domain() -> None:
    config = load_config(environ={}, domain="Social.Example")
    assert config.dev is False
    assert config.base_url == "https://social.example"
    with pytest.raises(ConfigError, match="no domain set"):
        load_config(environ={})


def test_dev_defaults_the_domain_to_the_listen_port() -> None:
    config = load_config(environ={}, dev=True, listen="127.0.0.1:8123")
    assert config.domain == "localhost:8123"
    assert config.base_url == "http://localhost:8123"


def test_sqlite_database_lives_in_the_data_folder(tmp_path: Path) -> None:
    config = load_config(environ={}, dev=True, data=str(tmp_path / "here"))
    assert config.effective_database_url.endswith("/here/warmline.sqlite3")
    assert config.effective_database_url.startswith("sqlite+aiosqlite:///")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"domain": "https://example.org"}, "without scheme"),
        ({"domain": "exa mple.org"}, "not a valid host"),
        ({"domain": "example.org:99999"}, "invalid port"),
        ({"domain": "a.example", "listen": "nonsense"}, "HOST:PORT"),
        ({"domain": "a.example", "listen": "127.0.0.1:http"}, "HOST:PORT"),
        ({"domain": "a.example", "listen": "127.0.0.1:99999"}, "between 1 and 65535"),
        ({"dev": True, "listen": "127.0.0.1:0"}, "needs --domain"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(environ={}, **kwargs)


def test_bad_environment_boolean() -> None:
    with pytest.raises(ConfigError, match="WARMLINE_DEV must be true or false"):
        load_config(environ={"WARMLINE_DEV": "maybe"})


def test_file_sections_are_typed_and_checked(tmp_path: Path) -> None:
    good = write(
        tmp_path,
        '[server]\ndomain = "a.example"\n'
        '[instance]\nname = "Guild"\nopen_registrations = true\n'
        "[federation]\nauthorized_fetch = true\nfetch_timeout = 3\n",
    )
    config = load_config(config_file=good, environ={})
    assert config.instance.name == "Guild"
    assert config.instance.open_registrations is True
    assert config.federation.authorized_fetch is True
    assert config.federation.fetch_timeout == 3
    assert config.media.unattached_max_age_hours == 24

    for text, message in [
        ('[server]\ndomain = "a.example"\nbogus = 1\n', "unknown setting"),
        ('[server]\ndomain = "a.example"\n[instance]\nname = 5\n', "name must be a str"),
        (
            '[server]\ndomain = "a.example"\n[federation]\nauthorized_fetch = "yes"\n',
            "must be a bool",
        ),
        ('[server]\ndomain = "a.example"\n[nope]\n', "unknown table"),
        ("[server\n", "not valid TOML"),
        ('[server]\ndomain = "a.example"\nlog_level = "LOUD"\n', "log_level must be one of"),
        ('[server]\ndomain = "a.example"\ndev = 1\n', "dev must be true or false"),
        ("[server]\ndomain = 5\n", "domain must be a string"),
        ('[server]\ndomain = "a.example"\n[federation]\ndelivery_concurrency = 0\n', "at least 1"),
        (
            '[server]\ndomain = "a.example"\n[federation]\ndelivery_schedule = []\n',
            "at least one delay",
        ),
        (
            '[server]\ndomain = "a.example"\n[federation]\ndelivery_schedule = [60, -1]\n',
            "positive",
        ),
        (
            '[server]\ndomain = "a.example"\n[api]\nsign_in_window_seconds = 0\n',
            "sign_in_window_seconds must be at least 1",
        ),
        (
            '[server]\ndomain = "a.example"\n[api]\nsign_in_failures_per_address = -1\n',
            "sign_in_failures_per_address must be at least 0",
        ),
        (
            '[server]\ndomain = "a.example"\n[media]\nunattached_max_age_hours = 0\n',
            "unattached_max_age_hours must be at least 1",
        ),
        (
            '[server]\ndomain = "a.example"\n[retention]\ninbox_days = -1\n',
            "inbox_days must be 0",
        ),
        (
            '[server]\ndomain = "a.example"\n[retention]\nsweep_minutes = 0\n',
            "sweep_minutes must be at least 1",
        ),
        ('[server]\ndomain = "a.example"\n[retention]\nkeep = 1\n', "unknown setting"),
    ]:
        with pytest.raises(ConfigError, match=message):
            load_config(config_file=write(tmp_path, text), environ={})


def test_missing_config_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(config_file=str(tmp_path / "missing.toml"), environ={})


def test_a_folder_or_binary_file_as_config_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder, not a file"):
        load_config(config_file=str(tmp_path), environ={})
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(config_file=str(binary), environ={})


def test_the_sample_config_loads_and_names_every_setting() -> None:
    sample = Path(__file__).resolve().parents[3] / "deploy" / "warmline.toml.sample"
    config = load_config(config_file=str(sample), environ={}, dev=True, domain="localhost:8080")
    text = sample.read_text()
    for section in (
        InstanceSettings,
        FederationSettings,
        NetworkSettings,
        ApiSettings,
        MediaSettings,
        RetentionSettings,
        MetricsSettings,
    ):
        for setting in fields(section):
            assert f"{setting.name} =" in text, f"{setting.name} is missing from the sample"
    assert config.network.introduction_expiry_days == 30


def test_retention_is_read_from_its_own_table(tmp_path: Path) -> None:
    text = '[server]\ndomain = "a.example"\n[retention]\ndeliveries_days = 0\ninbox_days = 30\n'
    config = load_config(config_file=write(tmp_path, text), environ={})
    assert config.retention == RetentionSettings(deliveries_days=0, inbox_days=30)
    assert load_config(domain="a.example", environ={}).retention == RetentionSettings()


def test_metrics_and_log_format_settings(tmp_path: Path) -> None:
    text = (
        '[server]\ndomain = "a.example"\nlog_format = "json"\n'
        '[metrics]\nenabled = true\nlisten = "127.0.0.1:9464"\nbearer_token = "t"\n'
    )
    config = load_config(config_file=write(tmp_path, text), environ={})
    assert config.log_format == "json"
    assert config.metrics == MetricsSettings(
        enabled=True, listen="127.0.0.1:9464", bearer_token="t"
    )
    assert config.metrics.address == ("127.0.0.1", 9464)
    default = load_config(domain="a.example", environ={})
    assert (default.log_format, default.metrics.enabled, default.metrics.address) == (
        "text", False, None,
    )  # fmt: skip
    # One address per process: the environment names it (the flag beats the file too).
    env = {"WARMLINE_METRICS_LISTEN": "127.0.0.1:9465", "WARMLINE_LOG_FORMAT": "json"}
    config = load_config(config_file=write(tmp_path, text), environ=env, log_format="text")
    assert (config.metrics.address, config.log_format) == (("127.0.0.1", 9465), "text")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[metrics]\nenabled = "yes"', r"\[metrics\] enabled must be a bool"),
        ('[metrics]\nlisten = "9464"', r"\[metrics\] listen address must be HOST:PORT"),
        ('[metrics]\nlisten = "127.0.0.1:99999"', r"\[metrics\] listen port must be between"),
        ("[metrics]\ncache_seconds = -1", r"\[metrics\] cache_seconds must be 0 or more"),
        ("[metrics]\nport = 1", r"unknown setting\(s\) in \[metrics\]: port"),
        ('[server]\nlog_format = "xml"', "log format must be one of text, json"),
    ],
)
def test_bad_metrics_and_log_settings_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(config_file=write(tmp_path, text), environ={}, domain="a.example")
