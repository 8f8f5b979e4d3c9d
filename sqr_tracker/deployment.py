"""Whether a deployment is ready for production: sign-in, browser safety, data.

``sqr-tracker check-config`` runs :func:`problems`. Each check is a function
that returns the problems it found, in words an operator can act on (an empty
list: nothing wrong). They read what Streamlit reads: ``secrets.toml`` and
``config.toml`` in the project's ``.streamlit/`` folder, and the environment
variables that override ``config.toml``.

The demo sign-in: ``session.py`` offers it only when there is no ``[auth]``
section and the data file is a demo file, so it can never open a district's
own file. What a production check must catch is therefore a deployment that
serves the demo district at all: without ``[auth]`` anyone could sign in as
any of its users, and with ``[auth]`` the district's people would find
fictional data. The data file is checked either way; a missing file counts
too, because the app builds the demo district where it finds no file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqr_tracker.config import PROJECT_ROOT
from sqr_tracker.errors import DataFileInUse
from sqr_tracker.store import Store

CONFIG_DIR = PROJECT_ROOT / ".streamlit"
READY = "The configuration is ready for production."
MIN_COOKIE_SECRET_BYTES = 32
# session.py calls st.login() with no provider: Streamlit's default provider,
# whose settings sit directly in [auth] (not in an [auth.<name>] section).
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url", "redirect_uri")
README_COOKIE_SECRET = "a long random string of at least 32 bytes"
SIGN_IN_HELP = "see the README, “Signing in with your identity provider”"
NEW_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'

# The [server] options that must stay on, with the variables that override them.
SERVER_OPTIONS = {
    "enableXsrfProtection": "STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION",
    "enableCORS": "STREAMLIT_SERVER_ENABLE_CORS",
}
# How Streamlit's command line (click) reads a boolean environment variable.
_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off"}

Toml = dict[str, Any]


def read_toml(path: Path) -> tuple[Toml | None, list[str]]:
    """The file's tables (None when there is no file), or why it cannot be read."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), []
    except FileNotFoundError:
        return None, []
    except tomllib.TOMLDecodeError as error:
        return None, [f"{path} is not valid TOML: {error}."]
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        return None, [f"{path} could not be read: {reason}."]


def auth_problems(secrets: Toml | None, path: Path) -> list[str]:
    """What is missing from ``[auth]`` in ``secrets.toml`` for OIDC sign-in."""
    if secrets is None:
        return [
            f"{path} does not exist, so sign-in is not configured: add an [auth] "
            f"section for your identity provider ({SIGN_IN_HELP})."
        ]
    auth = secrets.get("auth")
    if not isinstance(auth, dict):
        return [
            f"{path} has no [auth] section, so sign-in is not configured: add one "
            f"for your identity provider ({SIGN_IN_HELP})."
        ]
    found = _cookie_secret_problems(auth.get("cookie_secret"), path)
    for key in PROVIDER_KEYS:
        value = auth.get(key)
        if not isinstance(value, str) or not value.strip():
            found.append(f"[auth] in {path} has no {key}.")
    redirect = auth.get("redirect_uri")
    if (
        isinstance(redirect, str)
        and redirect.strip()
        and not redirect.rstrip().endswith("/oauth2callback")
    ):
        found.append(
            f"[auth] redirect_uri in {path} must end with /oauth2callback, "
            f"not {redirect!r}."
        )
    return found


def _cookie_secret_problems(secret: object, path: Path) -> list[str]:
    if secret is None or secret == "":
        return [
            f"[auth] in {path} has no cookie_secret: without a fixed one, sign-in "
            "cookies do not outlive a restart. Set one of at least "
            f"{MIN_COOKIE_SECRET_BYTES} bytes (`{NEW_SECRET}`)."
        ]
    if not isinstance(secret, str):
        return [f"[auth] cookie_secret in {path} must be a string."]
    size = len(secret.encode("utf-8"))
    if size < MIN_COOKIE_SECRET_BYTES:
        return [
            f"[auth] cookie_secret in {path} is {size} bytes; it must be at least "
            f"{MIN_COOKIE_SECRET_BYTES} (`{NEW_SECRET}`)."
        ]
    if secret == README_COOKIE_SECRET:
        return [
            f"[auth] cookie_secret in {path} is the README's example; replace it "
            f"with a random one (`{NEW_SECRET}`)."
        ]
    return []


def server_problems(
    config: Toml | None, path: Path, environ: Mapping[str, str]
) -> list[str]:
    """XSRF protection and CORS as Streamlit will run them: on, or a problem.

    An environment variable overrides ``config.toml``; an option set in neither
    keeps Streamlit's default, which is on.
    """
    server = (config or {}).get("server", {})
    server = server if isinstance(server, dict) else {}
    found = []
    for option, variable in SERVER_OPTIONS.items():
        name = f"server.{option}"
        if variable in environ:
            text = environ[variable]
            word = text.strip().lower()
            if word in _FALSE:
                found.append(
                    f"{variable}={text} turns {name} off; unset it or set it to true."
                )
            elif word not in _TRUE:
                found.append(f"{variable}={text!r} is neither true nor false.")
        elif option in server:
            value = server[option]
            if value is False:
                found.append(f"{name} is false in {path}; set it to true.")
            elif value is not True:
                found.append(f"{name} in {path} must be true, not {value!r}.")
    return found


def data_file_problems(
    path: Path, is_demo: Callable[[Path], bool] = Store.file_is_demo
) -> list[str]:
    """A production data file exists and is not the demo district."""
    if not path.exists():
        return [
            f"There is no data file at {path}: the app would build the fictional "
            "demo district there. Make the district's file with `sqr-tracker "
            "init` and import its data, or point --db or SQR_TRACKER_DB at it."
        ]
    try:
        demo = is_demo(path)
    except DataFileInUse:
        return [
            f"{path} is in use by another process (the app?), so whether it is a "
            "demo file could not be checked; run the check before starting the app."
        ]
    if demo:
        return [
            f"{path} is the fictional demo district: without [auth] anyone may "
            "sign in as any of its users, and with it your people would find "
            "fictional data. Serve the district's own file (`sqr-tracker init`, "
            "then `sqr-tracker import`)."
        ]
    return []


def problems(
    config_dir: Path,
    data_file: Path,
    environ: Mapping[str, str] | None = None,
    is_demo: Callable[[Path], bool] = Store.file_is_demo,
) -> list[str]:
    """Every problem of the deployment, in the order an operator fixes them."""
    environ = os.environ if environ is None else environ
    secrets_path = config_dir / "secrets.toml"
    config_path = config_dir / "config.toml"
    secrets, found = read_toml(secrets_path)
    if not found:
        found = auth_problems(secrets, secrets_path)
    config, unreadable = read_toml(config_path)
    found += unreadable + server_problems(config, config_path, environ)
    return found + data_file_problems(data_file, is_demo)
