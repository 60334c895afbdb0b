"""The Streamlit settings the servers run with (.streamlit/config.toml, read from the working
directory of every replica: scripts/serve.sh and the systemd unit start them in the repository)."""
from __future__ import annotations

import tomllib

from greening.config import REPO_ROOT


def _config() -> dict:
    return tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text())


def test_no_full_garbage_collection_after_every_script_run():
    assert _config()["runner"]["postScriptGC"] is False


def test_users_never_see_tracebacks_nor_the_developer_menu():
    config = _config()
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["toolbarMode"] == "viewer"


def test_a_code_update_on_disk_does_not_reload_a_running_app():
    """``bash scripts/run.sh`` (the README's command) starts the app with this file only. With
    Streamlit's default file watcher, a file changed under a running app (an update pulled in)
    re-imported the models and audit hooks beside the old ones: from then on every save, the
    log-in included, failed (``MissingActor``, "Over 100 subsequent flushes") until a restart."""
    assert _config()["server"]["fileWatcherType"] == "none"


def test_the_largest_upload_is_shown_as_it_is():
    """The uploader writes its limit with no decimals and moves to the next unit above half of it
    (Streamlit's FileUploader: 1,000-based): 512 MB read 「每个文件不超过 1GB」 under a page
    that said 512 MB. Up to 500 MB it is written in MB."""
    assert _config()["server"]["maxUploadSize"] <= 500
