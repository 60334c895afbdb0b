"""Settings: the one settings object, read from the environment.

Every tunable of the product lives here, with its environment variable and default.
Tests override values with :func:`override_settings`; nothing else reads ``os.environ``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Settings", "get_settings", "override_settings", "REPO_ROOT", "SETTINGS_DOC"]

REPO_ROOT = Path(__file__).resolve().parent.parent

# Each setting: (attribute, environment variable, meaning). tests/test_docs.py checks that every
# one of them is documented in README.md.
SETTINGS_DOC: dict[str, tuple[str, str]] = {
    "database_url": ("GREENING_DATABASE_URL", "SQLAlchemy URL; empty means the SpatiaLite file in data/"),
    "data_dir": ("GREENING_DATA_DIR", "folder for the SpatiaLite file, photos and backups"),
    "spatialite_library": ("SPATIALITE_LIBRARY_PATH", "SpatiaLite module to load (default mod_spatialite)"),
    "demo_plantings": ("GREENING_DEMO_PLANTINGS", "number of planting records the demo generator writes"),
    "demo_seed": ("GREENING_DEMO_SEED", "random seed of the demo generator"),
    "tianditu_key": ("GREENING_TIANDITU_KEY", "Tianditu (天地图) browser key; without it that basemap is hidden"),
    "static_base": ("GREENING_STATIC_BASE", "URL prefix the browser loads Leaflet and plugins from"),
    "max_upload_mb": ("GREENING_MAX_UPLOAD_MB", "largest photo or import file accepted, in MB"),
    "max_image_pixels": ("GREENING_MAX_IMAGE_PIXELS", "largest photo accepted, in pixels (decompression-bomb guard)"),
    "lag_inactive_days": ("GREENING_LAG_INACTIVE_DAYS", "a village with no activity for this many days is flagged"),
    "lag_min_coverage": ("GREENING_LAG_MIN_COVERAGE", "measure coverage (0-1) below which a village is flagged"),
    "lag_min_survival": ("GREENING_LAG_MIN_SURVIVAL", "survival rate (0-1) below which a village is flagged"),
    "lag_max_overdue_care": ("GREENING_LAG_MAX_OVERDUE_CARE", "a village with more overdue care and survival checks than this is flagged"),
    "lag_pace_ratio": ("GREENING_LAG_PACE_RATIO", "flag when planted/plan falls below this share of the seasonal pace"),
    "spot_check_share": ("GREENING_SPOT_CHECK_SHARE", "share of each village's plantings drawn for the four-party check"),
    "login_max_failures": ("GREENING_LOGIN_MAX_FAILURES", "failed log-ins before an account is locked for a while"),
    "login_lock_minutes": ("GREENING_LOGIN_LOCK_MINUTES", "how long a lock after repeated failures lasts"),
    "session_hours": ("GREENING_SESSION_HOURS", "how long a log-in stays valid"),
    "db_pool_size": ("GREENING_DB_POOL_SIZE", "database connections kept open per process"),
    "db_max_overflow": ("GREENING_DB_MAX_OVERFLOW", "extra connections opened under load beyond the pool"),
    "db_pool_timeout": ("GREENING_DB_POOL_TIMEOUT", "seconds a request waits for a free connection before it is told the system is busy"),
    "login_hash_slots": ("GREENING_LOGIN_HASH_SLOTS", "password checks (Argon2) run at once; 0: one per processor core"),
    "login_wait_seconds": ("GREENING_LOGIN_WAIT_SECONDS", "seconds a log-in waits for a free password-check slot before it is told the system is busy"),
    "oidc_enabled": ("GREENING_OIDC", "1 to offer single sign-on through Streamlit's OIDC login"),
    "measures_path": ("GREENING_MEASURES_FILE", "the 56-measure catalogue in force (default: the data folder's "
                      "measures.yaml once an administrator loaded one, else the shipped data/measures.yaml)"),
    "campaign_start": ("GREENING_CAMPAIGN_START", "first day a planting may be dated (YYYY-MM-DD)"),
    "max_raster_mb": ("GREENING_MAX_RASTER_MB", "largest land-cover or canopy raster file accepted, in MB"),
    "max_raster_pixels": ("GREENING_MAX_RASTER_PIXELS", "largest raster accepted, in pixels"),
    "cover_max_missing": ("GREENING_COVER_MAX_MISSING", "share (0-1) of a village a raster may miss and its green "
                          "cover still be judged (rules, change, flag)"),
    "cover_flag_trees_per_ha": ("GREENING_COVER_FLAG_TREES_PER_HA", "N: trees reported per hectare since the earlier "
                                "raster from which a village must show a gain"),
    "cover_flag_min_gain_pp": ("GREENING_COVER_FLAG_MIN_GAIN_PP", "X: smallest gain in green cover (percentage points) "
                               "that counts as visible; below it such a village is flagged"),
    "as_of": ("GREENING_AS_OF", "date the figures are reported as of (YYYY-MM-DD); default today, or the "
              "demo campaign's snapshot date (2024-06-10) while the database holds demo data"),
    "notice_deadline_days": ("GREENING_NOTICE_DEADLINE_DAYS", "days a supervision notice gives for rectification unless the issuer picks a deadline"),
    "notice_escalate_days": ("GREENING_NOTICE_ESCALATE_DAYS", "days overdue after which a notice escalated to the county goes on to the city"),
    "care_months": ("GREENING_CARE_MONTHS", "months after planting at which care and survival checks are due, comma-separated"),
    "care_early_days": ("GREENING_CARE_EARLY_DAYS", "a check up to this many days before a due date counts for it"),
    "care_match_m": ("GREENING_CARE_MATCH_METERS", "a check logged by position within this many metres of a planting of the same species is matched to it"),
    "notify_wecom": ("GREENING_NOTIFY_WECOM", "WeCom (企业微信) group-robot webhooks by area: code-prefix=URL, separated by ';'"),
    "notify_dingtalk": ("GREENING_NOTIFY_DINGTALK", "DingTalk (钉钉) group-robot webhooks by area: code-prefix=URL or code-prefix=URL|signing-secret, ';'-separated"),
    "notify_email": ("GREENING_NOTIFY_EMAIL", "e-mail recipients by area: code-prefix=addr,addr, ';'-separated"),
    "smtp_host": ("GREENING_SMTP_HOST", "SMTP server for e-mail notifications; empty: no e-mail"),
    "smtp_port": ("GREENING_SMTP_PORT", "SMTP port"),
    "smtp_user": ("GREENING_SMTP_USER", "SMTP user name (empty: no log-in)"),
    "smtp_password": ("GREENING_SMTP_PASSWORD", "SMTP password"),
    "smtp_from": ("GREENING_SMTP_FROM", "sender address of e-mail notifications"),
    "smtp_starttls": ("GREENING_SMTP_STARTTLS", "1 to switch the SMTP connection to TLS (STARTTLS)"),
    "notify_max_attempts": ("GREENING_NOTIFY_MAX_ATTEMPTS", "delivery attempts of a message before it is marked failed"),
    "notify_backoff_seconds": ("GREENING_NOTIFY_BACKOFF_SECONDS", "wait before the first retry; doubles after each failure (at most a day)"),
    "notify_timeout_seconds": ("GREENING_NOTIFY_TIMEOUT_SECONDS", "network timeout of one delivery, seconds"),
    "pdf_font": ("GREENING_PDF_FONT", "TTF/OTF/TTC font with Chinese glyphs for PDF documents; default: the first one found on the machine"),
    "coverage_engine": ("GREENING_COVERAGE_ENGINE", "how many points find their villages: grid (one machine, the "
                        "fastest), geopandas (geopandas.sjoin, the reference) or dask (a dask cluster)"),
    "dask_scheduler": ("GREENING_DASK_SCHEDULER", "address of an existing dask scheduler (tcp://host:8786) for the "
                       "dask engine; empty starts a local cluster of 2 workers for each run"),
}


@dataclass(frozen=True)
class Settings:
    """All settings of one running instance. Immutable; build a new one to change it."""

    database_url: str = ""
    data_dir: Path = REPO_ROOT / "data"
    spatialite_library: str = "mod_spatialite"
    demo_plantings: int = 30_000
    demo_seed: int = 20240601
    tianditu_key: str = ""
    static_base: str = "/app/static/vendor"
    max_upload_mb: int = 15
    max_image_pixels: int = 40_000_000
    lag_inactive_days: int = 60
    lag_min_coverage: float = 0.5
    lag_min_survival: float = 0.8
    lag_pace_ratio: float = 0.6
    lag_max_overdue_care: int = 2
    spot_check_share: float = 0.05
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    session_hours: int = 12
    db_pool_size: int = 8
    db_max_overflow: int = 24
    db_pool_timeout: int = 30
    login_hash_slots: int = 0
    login_wait_seconds: int = 20
    oidc_enabled: bool = False
    measures_path: str = ""
    campaign_start: str = "2023-01-01"
    max_raster_mb: int = 4096
    max_raster_pixels: int = 2_000_000_000
    cover_max_missing: float = 0.2
    cover_flag_trees_per_ha: float = 5.0
    cover_flag_min_gain_pp: float = 1.0
    as_of: str = ""
    notice_deadline_days: int = 14
    notice_escalate_days: int = 7
    care_months: str = "1,3,6,12"
    care_early_days: int = 14
    care_match_m: float = 30.0
    notify_wecom: str = ""
    notify_dingtalk: str = ""
    notify_email: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = False
    notify_max_attempts: int = 8
    notify_backoff_seconds: int = 60
    notify_timeout_seconds: int = 10
    pdf_font: str = ""
    coverage_engine: str = "grid"
    dask_scheduler: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one, or the embedded SpatiaLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'greening.sqlite'}"

    @property
    def is_spatialite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    @property
    def catalogue_file(self) -> Path:
        """The measure catalogue in force; an administrator's replacement lives in the data folder."""
        if self.measures_path:
            return Path(self.measures_path)
        replaced = self.data_dir / "measures.yaml"
        return replaced if replaced.exists() else REPO_ROOT / "data" / "measures.yaml"

    @property
    def catalogue_target(self) -> Path:
        """Where ``measures load`` writes a replacement (never the shipped file)."""
        return Path(self.measures_path) if self.measures_path else self.data_dir / "measures.yaml"

    @property
    def campaign_start_date(self):
        import datetime as dt

        try:
            return dt.date.fromisoformat(self.campaign_start)
        except ValueError:
            raise ValueError(f"setting GREENING_CAMPAIGN_START={self.campaign_start!r} is not a date "
                             "(YYYY-MM-DD)") from None

    @property
    def care_due_months(self) -> tuple[int, ...]:
        """``care_months`` as sorted whole months (e.g. (1, 3, 6, 12))."""
        try:
            months = sorted({int(p) for p in self.care_months.replace("，", ",").split(",") if p.strip()})
        except ValueError:
            months = []
        if not months or months[0] < 1:
            raise ValueError(f"setting GREENING_CARE_MONTHS={self.care_months!r} is not a list of months "
                             "such as 1,3,6,12")
        return tuple(months)

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def shape_cache_dir(self) -> Path:
        """Encoded map shapes kept between server starts (:mod:`greening.maps.shape_cache`)."""
        return self.data_dir / "cache"

    @property
    def kept_dir(self) -> Path:
        """Results kept between server starts, by data version (:mod:`greening.kept`)."""
        return self.data_dir / "cache" / "kept"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read every setting from ``env`` (default ``os.environ``), converting types.

        A malformed value raises ValueError naming the variable and the value.
        """
        env = dict(os.environ if env is None else env)
        kwargs: dict[str, object] = {}
        types = {f.name: f.type for f in dataclasses.fields(cls)}
        defaults = cls()
        for attr, (var, _meaning) in SETTINGS_DOC.items():
            raw = env.get(var)
            if raw is None or raw == "":
                continue
            default = getattr(defaults, attr)
            value: object
            try:
                if isinstance(default, bool):
                    value = raw.strip().lower() in {"1", "true", "yes", "on"}
                elif isinstance(default, int):
                    value = int(raw)
                elif isinstance(default, float):
                    value = float(raw)
                elif isinstance(default, Path):
                    value = Path(raw).expanduser().resolve()
                else:
                    value = raw
            except ValueError:
                raise ValueError(f"setting {var}={raw!r} is not a valid {types[attr]}") from None
            kwargs[attr] = value
        return cls(**kwargs)  # type: ignore[arg-type]  # each value has its field's type


_current: Settings | None = None


def get_settings() -> Settings:
    """The settings in force (read from the environment on first use)."""
    global _current
    if _current is None:
        _current = Settings.from_env()
    return _current


@contextlib.contextmanager
def override_settings(**changes):
    """Temporarily replace settings (tests): ``with override_settings(database_url=...):``."""
    global _current
    before = get_settings()
    _current = dataclasses.replace(before, **changes)
    try:
        yield _current
    finally:
        _current = before
