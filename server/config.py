"""Configuration: one frozen object, built from defaults < TOML file < environment < flags.

Every option that has a command-line flag also has an environment variable
(``WARMLINE_*``); everything else lives in the TOML file. The loaded object is
immutable and hangs off the app; nothing reads the environment later.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from federation.delivery import DEFAULT_SCHEDULE

DEFAULT_LISTEN = "127.0.0.1:8080"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")
REGISTRATION_MODES = ("closed", "invite", "approval", "open")

# host or host:port, as it appears in ids (no scheme, no path, no userinfo).
_AUTHORITY = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
    r"(?::[0-9]{1,5})?$"
)


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which setting and why."""


@dataclass(frozen=True, slots=True)
class FederationSettings:
    """How we talk to other servers."""

    # Seconds a signature's Date/created may differ from our clock.
    signature_window: int = 3600
    # Require a valid HTTP signature on GETs of actors and objects.
    authorized_fetch: bool = False
    fetch_timeout: float = 10.0
    max_document_bytes: int = 1_000_000
    # How long a fetched remote actor is trusted before it is fetched again.
    actor_refresh_seconds: int = 86_400
    # Seconds between delivery attempts 1, 2, ...; after the last, give up.
    delivery_schedule: tuple[int, ...] = DEFAULT_SCHEDULE
    # Deliveries in flight at once, in all and per destination host.
    delivery_concurrency: int = 64
    delivery_per_host: int = 4
    # How long a worker holds claimed queue rows before another may take them
    # (what a crashed process's work waits before it is picked up again).
    lease_seconds: int = 120
    # Consecutive failures that open a host's circuit, and how long it stays open.
    circuit_failures: int = 8
    circuit_open_seconds: int = 3_600
    # Largest activity accepted at an inbox.
    max_inbox_bytes: int = 256_000
    # Federate only with the domains admins allowed (``warmline domain allow``),
    # as Mastodon's limited federation mode; blocks still apply.
    allowlist_mode: bool = False
    # Private addresses and networks peers may be reached at all the same (a
    # community's LAN, a test's own peers), as Mastodon's ALLOWED_PRIVATE_ADDRESSES.
    # When set, exactly these are allowed, in development mode too.
    allowed_private_addresses: tuple[str, ...] = ()
    # Unknown signing keys fetched per host: a burst, then so many a minute; past
    # that a delivery signed with one is answered 429 and nothing is fetched.
    # Keys we hold are never limited. A burst of 0 turns the limit off.
    key_fetch_burst: int = 10
    key_fetches_per_minute: int = 6
    # Deliveries accepted at our inboxes a minute per signing actor and per host
    # (token buckets in this process's memory; 429 past them); 0 turns one off.
    inbox_per_actor_per_minute: int = 300
    inbox_per_host_per_minute: int = 3_000
    # Connect and RequestIntroduction activities accepted an hour from all the actors
    # of one server (a token bucket, in memory; 429 past it); 0 turns one off.
    connection_requests_per_host_per_hour: int = 200
    introduction_requests_per_host_per_hour: int = 100

    def __post_init__(self) -> None:
        minimums = {
            "signature_window": 1, "fetch_timeout": 0.1, "max_document_bytes": 1024,
            "actor_refresh_seconds": 0, "delivery_concurrency": 1, "delivery_per_host": 1,
            "lease_seconds": 1, "circuit_failures": 1, "circuit_open_seconds": 1,
            "max_inbox_bytes": 1024, "key_fetch_burst": 0, "key_fetches_per_minute": 1,
            "inbox_per_actor_per_minute": 0, "inbox_per_host_per_minute": 0,
            "connection_requests_per_host_per_hour": 0,
            "introduction_requests_per_host_per_hour": 0,
        }  # fmt: skip
        for name, least in minimums.items():
            if getattr(self, name) < least:
                raise ConfigError(f"[federation] {name} must be at least {least}")
        if not self.delivery_schedule:
            raise ConfigError("[federation] delivery_schedule needs at least one delay")
        self.private_networks()  # refuse a bad address when the config is read

    def private_networks(self) -> tuple[IPNetwork, ...]:
        """``allowed_private_addresses`` as networks (an address is a /32 or /128)."""
        return parse_networks(
            "[federation] allowed_private_addresses", list(self.allowed_private_addresses)
        )


@dataclass(frozen=True, slots=True)
class InstanceSettings:
    """What the instance says about itself in NodeInfo, the instance API and pages."""

    name: str = "Warmline"
    description: str = "A federated professional network."
    contact_email: str = ""
    # The member the instance API names as its contact (none when empty or unknown).
    contact_username: str = ""
    # Who may sign up from the web: closed | invite | approval | open. Admins can
    # change it from the admin page (stored in the database, which then wins).
    registrations: str = "approval"
    # Older spelling: true means registrations = "open".
    open_registrations: bool = False
    # The instance's rules, shown on the about and sign-up pages (admins can change them).
    rules: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.registrations not in REGISTRATION_MODES:
            raise ConfigError(
                f"[instance] registrations must be one of {', '.join(REGISTRATION_MODES)}"
            )
        if self.open_registrations:
            object.__setattr__(self, "registrations", "open")


@dataclass(frozen=True, slots=True)
class NetworkSettings:
    """Connections and introductions."""

    # Introductions a member may request per day (a rolling 24 hours).
    introduction_daily_limit: int = 10
    # Connection requests a member may send per day (a rolling 24 hours); a member
    # elsewhere over it is declined (a Reject), as a member here is refused.
    connection_request_daily_limit: int = 50
    # Days an introduction waits for the introducer and the target.
    introduction_expiry_days: int = 30

    def __post_init__(self) -> None:
        names = ("introduction_daily_limit", "connection_request_daily_limit")
        for name in (*names, "introduction_expiry_days"):
            if getattr(self, name) < 1:
                raise ConfigError(f"[network] {name} must be at least 1")


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """The client API's rate limit (Mastodon's default: 300 requests in 5 minutes) and
    the sign-in throttle of the OAuth sign-in page."""

    # Requests one token (or, without one, one address) may make per window, and one
    # member with all their tokens (Mastodon's 300 and 1,500 in 5 minutes); 0 = no limit.
    # Counted in the database: the limits hold across every process.
    rate_limit_requests: int = 300
    rate_limit_requests_per_account: int = 1_500
    rate_limit_window_seconds: int = 300
    # Failed sign-ins one username, and one client address, may make per window before
    # further attempts are refused for sign_in_lockout_seconds; 0 = no limit.
    sign_in_failures_per_account: int = 5
    sign_in_failures_per_address: int = 20
    sign_in_window_seconds: int = 900
    sign_in_lockout_seconds: int = 900
    # Sign-ups (on the web page) one client address may make per window; 0 = no limit.
    sign_ups_per_address: int = 10
    sign_up_window_seconds: int = 3600

    def __post_init__(self) -> None:
        minimums = {
            "rate_limit_requests": 0, "rate_limit_requests_per_account": 0,
            "rate_limit_window_seconds": 1,
            "sign_in_failures_per_account": 0, "sign_in_failures_per_address": 0,
            "sign_in_window_seconds": 1, "sign_in_lockout_seconds": 1,
            "sign_ups_per_address": 0, "sign_up_window_seconds": 1,
        }  # fmt: skip
        for name, least in minimums.items():
            if getattr(self, name) < least:
                raise ConfigError(f"[api] {name} must be at least {least}")

    @classmethod
    def without_request_limits(cls) -> ApiSettings:
        """No limit on API requests: one busy client (benchmarks, tests that poll)."""
        return cls(rate_limit_requests=0, rate_limit_requests_per_account=0)


@dataclass(frozen=True, slots=True)
class MediaSettings:
    """Uploaded images (avatars, headers and attachments on posts)."""

    # Largest image file accepted.
    max_image_bytes: int = 16 * 1024 * 1024
    # Largest image, in pixels, that is decoded at all (refuses decompression bombs).
    max_image_pixels: int = 33_177_600
    # Hours an upload may wait to be put on a post; older unattached uploads are deleted.
    unattached_max_age_hours: int = 24

    def __post_init__(self) -> None:
        if self.max_image_bytes < 1024:
            raise ConfigError("[media] max_image_bytes must be at least 1024")
        if self.max_image_pixels < 1:
            raise ConfigError("[media] max_image_pixels must be at least 1")
        if self.unattached_max_age_hours < 1:
            raise ConfigError("[media] unattached_max_age_hours must be at least 1")


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    """How long finished queue rows are kept before the retention sweep deletes
    them (days; 0 keeps them for ever). Rows still needed are never deleted."""

    # Deliveries that were sent or given up on, counted from when they finished.
    deliveries_days: int = 7
    # Incoming activities that were applied or failed for good, counted from then.
    inbox_days: int = 7
    # Activities our members sent, once no delivery of theirs is left.
    activities_days: int = 7
    # Minutes between sweeps.
    sweep_minutes: int = 60

    def __post_init__(self) -> None:
        for name in ("deliveries_days", "inbox_days", "activities_days"):
            if getattr(self, name) < 0:
                raise ConfigError(f"[retention] {name} must be 0 (keep for ever) or more")
        if self.sweep_minutes < 1:
            raise ConfigError("[retention] sweep_minutes must be at least 1")


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    """Prometheus metrics of this process (server/metrics/); off by default."""

    enabled: bool = False
    # Empty: served by the app itself at /metrics. HOST:PORT: served there instead,
    # by a listener of its own in the same process (``warmline worker`` too), and
    # the app has no /metrics. WARMLINE_METRICS_LISTEN overrides it (one per process).
    listen: str = ""
    # When set, a scrape must send ``Authorization: Bearer TOKEN``.
    bearer_token: str = ""
    # Seconds the queue and host figures read from the database are reused.
    cache_seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.listen:
            parse_listen(self.listen, what="[metrics] listen")
        if self.cache_seconds < 0:
            raise ConfigError("[metrics] cache_seconds must be 0 or more")

    @property
    def address(self) -> tuple[str, int] | None:
        """The separate listening address, or None when the app serves /metrics."""
        return parse_listen(self.listen, what="[metrics] listen") if self.listen else None


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the server needs to run; built by :func:`load_config`."""

    domain: str
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    data_dir: Path = Path("data")
    database_url: str = ""
    dev: bool = False
    max_body_bytes: int = 1_000_000
    log_level: str = "INFO"
    # text: the human format; json: one JSON object a line (server/logs.py).
    log_format: str = "text"
    # Reverse proxies whose X-Forwarded-For names the client (addresses or networks).
    trusted_proxies: tuple[IPNetwork, ...] = ()
    instance: InstanceSettings = field(default_factory=InstanceSettings)
    federation: FederationSettings = field(default_factory=FederationSettings)
    network: NetworkSettings = field(default_factory=NetworkSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    media: MediaSettings = field(default_factory=MediaSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)

    @property
    def scheme(self) -> str:
        """``http`` only in development; every public id is ``https``."""
        return "http" if self.dev else "https"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.domain}"

    @property
    def host(self) -> str:
        """The domain without its port: the host part of ``user@host`` handles."""
        return self.domain.rsplit(":", 1)[0] if ":" in self.domain else self.domain

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'warmline.sqlite3').as_posix()}"


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(what: str, value: Any) -> tuple[IPNetwork, ...]:
    """A list of addresses or networks (``127.0.0.1``, ``10.0.0.0/8``, ``::1``)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{what} must be a list of addresses or networks")
    try:
        return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in value)
    except ValueError as exc:
        raise ConfigError(f"{what}: {exc}") from None


def parse_listen(value: str, what: str = "listen") -> tuple[str, int]:
    """Parse ``HOST:PORT`` (``[v6]:PORT`` for IPv6)."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ConfigError(f"{what} address must be HOST:PORT, got {value!r}")
    if not 0 <= int(port) <= 65535:
        raise ConfigError(
            f"{what} port must be between 1 and 65535 (or 0 for any free port), got {value!r}"
        )
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not _AUTHORITY.match(host.lower()):
            raise ConfigError(f"{what} host is not an address or host name: {host!r}") from None
    return host, int(port)


def normalise_domain(value: str) -> str:
    """Lower-case and check a public authority (``host`` or ``host:port``)."""
    domain = value.strip().lower()
    if "://" in domain or "/" in domain or "@" in domain:
        raise ConfigError(
            f"domain must be a bare host or host:port, without scheme or path: {value!r}"
        )
    if not _AUTHORITY.match(domain):
        raise ConfigError(f"domain is not a valid host or host:port: {value!r}")
    if ":" in domain and not 0 < int(domain.rsplit(":", 1)[1]) <= 65535:
        raise ConfigError(f"domain has an invalid port: {value!r}")
    return domain


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, got {value!r}")


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {path} is a folder, not a file") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _tuple_setting(section: str, key: str, value: Any, *, texts: bool) -> tuple[Any, ...]:
    """A list setting: of texts (``rules``) or of positive integers (delays)."""
    if texts:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"[{section}] {key} must be a list of strings")
        return tuple(v.strip() for v in value if v.strip())
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
    ):
        raise ConfigError(f"[{section}] {key} must be a list of positive integers")
    return tuple(value)


def _section(cls: type, data: Any, name: str) -> Any:
    if data is None:
        return cls()
    if not isinstance(data, dict):
        raise ConfigError(f"[{name}] must be a table")
    known = {f.name: f for f in fields(cls)}
    unknown = set(data) - set(known)
    if unknown:
        raise ConfigError(f"unknown setting(s) in [{name}]: {', '.join(sorted(unknown))}")
    for key, value in list(data.items()):
        expected = type(getattr(cls(), key))
        if expected is tuple:
            data[key] = _tuple_setting(name, key, value, texts="str" in str(known[key].type))
            continue
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            continue
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"[{name}] {key} must be a {expected.__name__}")
    return cls(**data)


_TOP_LEVEL = {
    "domain", "listen", "data", "database_url", "dev", "max_body_bytes", "log_level",
    "log_format", "trusted_proxies",
}  # fmt: skip


def load_config(
    *,
    config_file: str | None = None,
    domain: str | None = None,
    listen: str | None = None,
    data: str | None = None,
    database_url: str | None = None,
    dev: bool | None = None,
    log_format: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Build the configuration; explicit arguments (command-line flags) win over
    ``WARMLINE_*`` environment variables, which win over the TOML file."""
    env = os.environ if environ is None else environ
    config_file = config_file or env.get("WARMLINE_CONFIG") or None
    toml = read_toml(Path(config_file)) if config_file else {}
    server = toml.get("server", {})
    if not isinstance(server, dict):
        raise ConfigError("[server] must be a table")
    unknown = set(server) - _TOP_LEVEL
    if unknown:
        raise ConfigError(f"unknown setting(s) in [server]: {', '.join(sorted(unknown))}")
    unknown_tables = set(toml) - {
        "server", "instance", "federation", "network", "api", "media", "retention", "metrics"
    }  # fmt: skip
    if unknown_tables:
        raise ConfigError(f"unknown table(s) in config file: {', '.join(sorted(unknown_tables))}")

    def pick(flag: Any, env_name: str, key: str) -> Any:
        if flag is not None:
            return flag
        if env_name in env:
            return env[env_name]
        return server.get(key)

    dev_value = pick(dev, "WARMLINE_DEV", "dev")
    dev_flag = (
        parse_bool("WARMLINE_DEV", dev_value) if isinstance(dev_value, str) else bool(dev_value)
    )
    listen_value = pick(listen, "WARMLINE_LISTEN", "listen") or DEFAULT_LISTEN
    listen_host, listen_port = parse_listen(str(listen_value))
    domain_value = pick(domain, "WARMLINE_DOMAIN", "domain")
    if not domain_value:
        if not dev_flag:
            raise ConfigError(
                "no domain set: pass --domain example.org (or WARMLINE_DOMAIN); "
                "for local development use --dev, which defaults to localhost:PORT"
            )
        if listen_port == 0:
            raise ConfigError(
                "listening on port 0 (any free port) needs --domain: the domain cannot "
                "default to localhost:PORT"
            )
        domain_value = f"localhost:{listen_port}"
    data_value = pick(data, "WARMLINE_DATA", "data") or "data"
    for key in ("dev",):
        if key in server and not isinstance(server[key], bool):
            raise ConfigError(f"[server] {key} must be true or false")
    for key in ("domain", "listen", "data", "database_url", "log_level", "log_format"):
        if key in server and not isinstance(server[key], str):
            raise ConfigError(f"[server] {key} must be a string")
    log_level = str(server.get("log_level", "INFO")).upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"[server] log_level must be one of {', '.join(LOG_LEVELS)}")
    log_format = str(pick(log_format, "WARMLINE_LOG_FORMAT", "log_format") or "text").lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"log format must be one of {', '.join(LOG_FORMATS)}, got {log_format!r}")
    metrics_table = toml.get("metrics")
    if "WARMLINE_METRICS_LISTEN" in env:
        listen_env = {"listen": env["WARMLINE_METRICS_LISTEN"]}
        if metrics_table is None or isinstance(metrics_table, dict):
            metrics_table = {**(metrics_table or {}), **listen_env}
    trusted_proxies = parse_networks("[server] trusted_proxies", server.get("trusted_proxies", []))
    max_body = server.get("max_body_bytes", 1_000_000)
    if not isinstance(max_body, int) or max_body < 1024:
        raise ConfigError("[server] max_body_bytes must be an integer of at least 1024")
    return Config(
        domain=normalise_domain(str(domain_value)),
        listen_host=listen_host,
        listen_port=listen_port,
        data_dir=Path(str(data_value)),
        database_url=str(pick(database_url, "WARMLINE_DATABASE_URL", "database_url") or ""),
        dev=dev_flag,
        max_body_bytes=max_body,
        log_level=log_level,
        log_format=log_format,
        trusted_proxies=trusted_proxies,
        instance=_section(InstanceSettings, toml.get("instance"), "instance"),
        federation=_section(FederationSettings, toml.get("federation"), "federation"),
        network=_section(NetworkSettings, toml.get("network"), "network"),
        api=_section(ApiSettings, toml.get("api"), "api"),
        media=_section(MediaSettings, toml.get("media"), "media"),
        retention=_section(RetentionSettings, toml.get("retention"), "retention"),
        metrics=_section(MetricsSettings, metrics_table, "metrics"),
    )


def with_overrides(config: Config, **changes: Any) -> Config:
    """A copy with some fields changed (tests and the CLI use this)."""
    return replace(config, **changes)
