"""Every environment variable the server reads, typed, with its default.

``Settings.from_env`` is the only place that looks at ``os.environ``. A value
that cannot be used raises ``ConfigError`` naming the variable, which the
command line prints as one line before exiting.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from generated import errors
from meshery import __version__, fetch
from meshery import adapter_address as address
from meshery.observability import otel_config

T = TypeVar("T")

TRUE = {"1", "true", "t", "yes", "y", "on"}
FALSE = {"0", "false", "f", "no", "n", "off"}
# Upstream passes LOG_LEVEL to logrus as an integer (0 panic .. 6 trace).
LOGRUS_LEVELS = {0: "CRITICAL", 1: "CRITICAL", 2: "ERROR", 3: "WARNING", 4: "INFO", 5: "DEBUG", 6: "DEBUG"}
LEVEL_NAMES = {"critical", "error", "warning", "warn", "info", "debug", "trace", "fatal", "panic"}


class ConfigError(errors.ErrConfigInvalid):
    """An environment variable holds an unusable value."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        self.variable = name
        super().__init__(f"{name}={value!r}: expected {expected}")


def _parse_bool(value: str) -> bool:
    low = value.strip().lower()
    if low in TRUE:
        return True
    if low in FALSE:
        return False
    raise ValueError("true or false")


def _parse_port(value: str) -> int:
    port = int(value)
    if not 1 <= port <= 65535:
        raise ValueError
    return port


def _parse_size(value: str) -> int:
    size = int(value)
    if size < 0:
        raise ValueError
    return size


def _parse_list(value: str) -> tuple[str, ...]:
    return tuple(part for part in re.split(r"[\s,]+", value.strip()) if part)


def _parse_adapter_urls(value: str) -> tuple[str, ...]:
    urls = _parse_list(value)
    for url in urls:
        try:
            address.parse(url)
        except address.InvalidLocation as exc:
            raise ValueError(f"comma- or space-separated host:port addresses ({exc})") from None
    return urls


def _parse_urls(value: str) -> tuple[str, ...]:
    urls = _parse_list(value)
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError
    return urls


def _parse_fetch_allow(value: str) -> tuple[str, ...]:
    entries = _parse_list(value)
    for entry in entries:
        fetch.Rule.parse(entry)  # ValueError names the entry
    return entries


def _parse_callback(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError
    return value.rstrip("/")


def _parse_log_level(value: str) -> str:
    text = value.strip()
    if text.isdigit() and int(text) in LOGRUS_LEVELS:
        return LOGRUS_LEVELS[int(text)]
    if text.lower() in LEVEL_NAMES:
        return {"warn": "WARNING", "trace": "DEBUG", "fatal": "CRITICAL", "panic": "CRITICAL"}.get(
            text.lower(), text.upper()
        )
    raise ValueError


def _parse_database_url(value: str) -> str:
    scheme = urlsplit(value).scheme.split("+")[0]
    if scheme not in ("sqlite", "postgres", "postgresql"):
        raise ValueError
    return value


def _parse_nats_url(value: str) -> str:
    for url in _parse_list(value):
        parts = urlsplit(url)
        if parts.scheme not in ("nats", "tls", "ws", "wss") or not parts.hostname:
            raise ValueError
    return value


def _parse_paths(value: str) -> tuple[Path, ...]:
    return tuple(Path(p).expanduser() for p in value.split(os.pathsep) if p)


def _parse_seconds(value: str) -> float:
    seconds = float(value)
    if not 0 <= seconds <= 3600:
        raise ValueError
    return seconds


def _parse_positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError
    return number


def _parse_timeout(value: str) -> float:
    seconds = float(value)
    if not 0.1 <= seconds <= 3600:
        raise ValueError
    return seconds


def _parse_ui_path(value: str) -> Path:
    path = Path(value).expanduser()
    if not path.is_dir():
        raise ValueError(f"{path} is not a folder (a Meshery UI static export, with index.html)")
    return path


def _parse_meshsync_mode(value: str) -> str:
    mode = value.strip().lower()
    if mode not in ("embedded", "operator"):
        raise ValueError
    return mode


def _parse_otel_config(value: str) -> str:
    otel_config.parse(value)  # ValueError says what is wrong
    return value


def _parse_choice(*choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        low = value.strip().lower()
        if low not in choices:
            raise ValueError(" or ".join(choices))
        return low

    return parse


@dataclass(frozen=True)
class Settings:
    """Typed configuration; see the README's table for what each field does."""

    port: int = 9081
    host: str = "0.0.0.0"
    debug: bool = False
    log_level: str = "INFO"
    provider: str = ""
    provider_base_urls: tuple[str, ...] = ()
    provider_capabilities_filepath: Path | None = None
    adapter_urls: tuple[str, ...] = ()
    adapter_loopback_only: bool = False
    keys_path: Path | None = None
    skip_comp_gen: bool = False
    skip_download_extensions: bool = False
    disable_operator: bool = False
    playground: bool = False
    register_static_k8s: bool = True
    register_core_model: bool = True
    otel_config: str = ""
    database_url: str = ""
    nats_url: str = ""
    user_data_folder: Path = field(default_factory=lambda: Path("~/.meshery/config").expanduser())
    kubeconfig_folder: Path = field(default_factory=lambda: Path("~/.kube").expanduser())
    meshery_models_path: tuple[Path, ...] = ()
    build: str = f"v{__version__}"
    commitsha: str = "unknown"
    release_channel: str = "stable"
    latest_version: str = ""
    graphql_cache_size: int = 512
    meshsync_default_deployment_mode: str = "embedded"
    os_name: str = "meshery"
    meshery_server_callback_url: str = ""
    # Graceful stop (meshery.serving): readiness fails at once, then the drain delay, then
    # in-flight requests finish; all within the grace period.
    shutdown_grace_period: float = 25.0
    shutdown_drain_delay: float = 5.0
    ui_path: Path | None = None
    # Observability (meshery.observability): who may read /metrics, log line format, tracing switches.
    metrics_access: str = "public"
    log_format: str = "text"
    otel_traces_exporter: str = ""
    otel_sdk_disabled: bool = False
    # Request limits (meshery.limits, meshery.serving): body sizes in bytes, JSON nesting, timeouts of slow clients.
    request_body_limit: int = 64 * 1024 * 1024
    multipart_body_limit: int = 128 * 1024 * 1024
    json_depth_limit: int = 100
    http_header_timeout: float = 10.0
    http_body_timeout: float = 60.0
    http_idle_timeout: float = 5.0
    # User-given URLs (meshery.fetch): private/loopback targets allowed, or only those; upload size.
    url_fetch_allow: tuple[str, ...] = ()
    url_fetch_allow_only: bool = False
    registry_upload_max_bytes: int = 256 * 1024 * 1024
    # WASM filters (meshery.filters): the largest module accepted (upload, base64 or URL).
    filter_max_bytes: int = 10 * 1024 * 1024

    @property
    def effective_log_level(self) -> int:
        return logging.DEBUG if self.debug else logging.getLevelNamesMapping()[self.log_level]

    @property
    def sqlite_path(self) -> Path:
        return self.user_data_folder / "mesherydb.sqlite3"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}

        def read(name: str, attr: str, parse: Callable[[str], T], expected: str) -> None:
            raw = env.get(name)
            if raw is None or raw.strip() == "":
                return
            try:
                values[attr] = parse(raw.strip())
            except ValueError as exc:
                raise ConfigError(name, raw, str(exc) or expected) from None

        read("PORT", "port", _parse_port, "an integer from 1 to 65535")
        read("HOST", "host", str, "a host name or address")
        read("DEBUG", "debug", _parse_bool, "true or false")
        read("LOG_LEVEL", "log_level", _parse_log_level, "0-6 or a level name (debug, info, warning, error)")
        read("PROVIDER", "provider", str, "a provider name")
        read("PROVIDER_BASE_URLS", "provider_base_urls", _parse_urls, "comma-separated http(s) URLs")
        read("PROVIDER_CAPABILITIES_FILEPATH", "provider_capabilities_filepath", Path, "a file path")
        read("ADAPTER_URLS", "adapter_urls", _parse_adapter_urls, "comma- or space-separated host:port addresses")
        read("ADAPTER_LOOPBACK_ONLY", "adapter_loopback_only", _parse_bool, "true or false")
        read("KEYS_PATH", "keys_path", Path, "a file path")
        read("SKIP_COMP_GEN", "skip_comp_gen", _parse_bool, "true or false")
        read("SKIP_DOWNLOAD_EXTENSIONS", "skip_download_extensions", _parse_bool, "true or false")
        read("DISABLE_OPERATOR", "disable_operator", _parse_bool, "true or false")
        read("PLAYGROUND", "playground", _parse_bool, "true or false")
        read("REGISTER_STATIC_K8S", "register_static_k8s", _parse_bool, "true or false")
        read("REGISTER_CORE_MODEL", "register_core_model", _parse_bool, "true or false")
        read("OTEL_CONFIG", "otel_config", _parse_otel_config, "a YAML document or the path of one")
        read("DATABASE_URL", "database_url", _parse_database_url, "a sqlite://, postgres:// or postgresql:// URL")
        read("NATS_URL", "nats_url", _parse_nats_url, "a nats:// URL (comma-separated for a cluster)")
        read("USER_DATA_FOLDER", "user_data_folder", lambda v: Path(v).expanduser(), "a folder path")
        read("KUBECONFIG_FOLDER", "kubeconfig_folder", lambda v: Path(v).expanduser(), "a folder path")
        read("MESHERY_MODELS_PATH", "meshery_models_path", _parse_paths, f"folders separated by {os.pathsep!r}")
        read("BUILD", "build", str, "a version")
        read("COMMITSHA", "commitsha", str, "a commit id")
        read("RELEASE_CHANNEL", "release_channel", str, "a channel name")
        read("LATEST_VERSION", "latest_version", str, "a version")
        read("OS", "os_name", str, "an OS name sent to remote providers")
        read("MESHERY_SERVER_CALLBACK_URL", "meshery_server_callback_url", _parse_callback, "an http(s) URL")
        read("GRAPHQL_CACHE_SIZE", "graphql_cache_size", _parse_size, "an integer >= 0 (0 turns the cache off)")
        read("MESHSYNC_DEFAULT_DEPLOYMENT_MODE", "meshsync_default_deployment_mode", _parse_meshsync_mode,
             "embedded or operator")
        read("SHUTDOWN_GRACE_PERIOD", "shutdown_grace_period", _parse_seconds, "seconds from 0 to 3600")
        read("SHUTDOWN_DRAIN_DELAY", "shutdown_drain_delay", _parse_seconds, "seconds from 0 to 3600")
        read("MESHERY_UI_PATH", "ui_path", _parse_ui_path, "a folder holding a Meshery UI static export")
        read("METRICS_ACCESS", "metrics_access", _parse_choice("public", "session", "off"), "public, session or off")
        read("LOG_FORMAT", "log_format", _parse_choice("text", "json"), "text or json")
        read("OTEL_TRACES_EXPORTER", "otel_traces_exporter", _parse_choice("otlp", "console", "none"),
             "otlp, console or none")
        read("OTEL_SDK_DISABLED", "otel_sdk_disabled", _parse_bool, "true or false")
        read("REQUEST_BODY_LIMIT", "request_body_limit", _parse_positive, "a number of bytes >= 1")
        read("MULTIPART_BODY_LIMIT", "multipart_body_limit", _parse_positive, "a number of bytes >= 1")
        read("JSON_DEPTH_LIMIT", "json_depth_limit", _parse_positive, "an integer >= 1")
        read("HTTP_HEADER_TIMEOUT", "http_header_timeout", _parse_timeout, "seconds from 0.1 to 3600")
        read("HTTP_BODY_TIMEOUT", "http_body_timeout", _parse_timeout, "seconds from 0.1 to 3600")
        read("HTTP_IDLE_TIMEOUT", "http_idle_timeout", _parse_timeout, "seconds from 0.1 to 3600")
        read("URL_FETCH_ALLOW", "url_fetch_allow", _parse_fetch_allow,
             "comma-separated host names, addresses or networks, each optionally with :port")
        read("URL_FETCH_ALLOW_ONLY", "url_fetch_allow_only", _parse_bool, "true or false")
        read("REGISTRY_UPLOAD_MAX_BYTES", "registry_upload_max_bytes", _parse_size, "a size in bytes")
        read("FILTER_MAX_BYTES", "filter_max_bytes", _parse_positive, "a number of bytes >= 1")
        return cls(**values)  # type: ignore[arg-type]
