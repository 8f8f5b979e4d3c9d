"""``sqr-tracker check-config``: each production problem named, or the all-clear."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqr_tracker import deployment
from sqr_tracker.cli import _parser, main
from sqr_tracker.errors import DataFileInUse

SECRET = "k" * 32
GOOD_AUTH = f"""
[auth]
redirect_uri = "https://sqr.example.org/oauth2callback"
cookie_secret = "{SECRET}"
client_id = "sqr-tracker"
client_secret = "from the provider"
server_metadata_url = "https://id.example.org/.well-known/openid-configuration"
"""
GOOD_CONFIG = """
[server]
headless = true
enableXsrfProtection = true
enableCORS = true
"""
XSRF = "STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION"
CORS = "STREAMLIT_SERVER_ENABLE_CORS"


def _dir(tmp_path: Path, secrets: str | None = GOOD_AUTH, config=GOOD_CONFIG) -> Path:
    folder = tmp_path / "streamlit"
    folder.mkdir(parents=True)
    if secrets is not None:
        (folder / "secrets.toml").write_text(secrets, encoding="utf-8")
    if config is not None:
        (folder / "config.toml").write_text(config, encoding="utf-8")
    return folder


def _district(tmp_path: Path) -> Path:
    """A district's own (empty, not demo) data file."""
    path = tmp_path / "district.duckdb"
    assert main(["init", "--db", str(path)]) == 0
    return path


def _problems(folder: Path, environ=None, demo=False) -> list[str]:
    data = folder / "data.duckdb"
    data.touch()
    return deployment.problems(folder, data, environ or {}, is_demo=lambda _: demo)


@pytest.fixture(autouse=True)
def _no_streamlit_variables(monkeypatch):
    monkeypatch.delenv(XSRF, raising=False)
    monkeypatch.delenv(CORS, raising=False)


def test_a_good_deployment_has_no_problems(tmp_path):
    assert _problems(_dir(tmp_path)) == []


def test_a_missing_secrets_file_is_named(tmp_path):
    folder = _dir(tmp_path, secrets=None)
    assert _problems(folder) == [
        f"{folder / 'secrets.toml'} does not exist, so sign-in is not configured: "
        "add an [auth] section for your identity provider (see the README, "
        "“Signing in with your identity provider”)."
    ]


def test_secrets_without_auth_are_named(tmp_path):
    folder = _dir(tmp_path, secrets='[other]\nkey = "value"\n')
    assert _problems(folder) == [
        f"{folder / 'secrets.toml'} has no [auth] section, so sign-in is not "
        "configured: add one for your identity provider (see the README, "
        "“Signing in with your identity provider”)."
    ]


def test_secrets_that_are_not_toml_are_named(tmp_path):
    folder = _dir(tmp_path, secrets="[auth\n")
    (found,) = _problems(folder)
    assert found.startswith(f"{folder / 'secrets.toml'} is not valid TOML: ")


def test_a_missing_cookie_secret_is_named(tmp_path):
    folder = _dir(
        tmp_path, secrets=GOOD_AUTH.replace(f'cookie_secret = "{SECRET}"', "")
    )
    assert _problems(folder) == [
        f"[auth] in {folder / 'secrets.toml'} has no cookie_secret: without a fixed "
        "one, sign-in cookies do not outlive a restart. Set one of at least 32 "
        'bytes (`python -c "import secrets; print(secrets.token_urlsafe(32))"`).'
    ]


def test_a_short_cookie_secret_is_named_with_its_size_in_bytes(tmp_path):
    # 30 characters, 31 bytes in UTF-8: bytes count, not characters.
    short = "é" + "k" * 29
    folder = _dir(tmp_path, secrets=GOOD_AUTH.replace(SECRET, short))
    assert _problems(folder) == [
        f"[auth] cookie_secret in {folder / 'secrets.toml'} is 31 bytes; it must be "
        'at least 32 (`python -c "import secrets; print(secrets.token_urlsafe(32))"`).'
    ]


def test_a_cookie_secret_of_exactly_32_bytes_passes(tmp_path):
    assert len(SECRET.encode()) == 32
    assert _problems(_dir(tmp_path)) == []


def test_the_readme_example_cookie_secret_is_refused(tmp_path):
    example = "a long random string of at least 32 bytes"
    folder = _dir(tmp_path, secrets=GOOD_AUTH.replace(SECRET, example))
    assert _problems(folder) == [
        f"[auth] cookie_secret in {folder / 'secrets.toml'} is the README's "
        "example; replace it with a random one "
        '(`python -c "import secrets; print(secrets.token_urlsafe(32))"`).'
    ]


def test_a_cookie_secret_that_is_not_text_is_named(tmp_path):
    folder = _dir(tmp_path, secrets=GOOD_AUTH.replace(f'"{SECRET}"', "12345"))
    assert _problems(folder) == [
        f"[auth] cookie_secret in {folder / 'secrets.toml'} must be a string."
    ]


@pytest.mark.parametrize("key", deployment.PROVIDER_KEYS)
def test_each_missing_provider_setting_is_named(tmp_path, key):
    lines = [line for line in GOOD_AUTH.splitlines() if not line.startswith(key)]
    folder = _dir(tmp_path, secrets="\n".join(lines))
    assert _problems(folder) == [f"[auth] in {folder / 'secrets.toml'} has no {key}."]


def test_every_missing_provider_setting_is_named_at_once(tmp_path):
    folder = _dir(tmp_path, secrets=f'[auth]\ncookie_secret = "{SECRET}"\n')
    where = folder / "secrets.toml"
    assert _problems(folder) == [
        f"[auth] in {where} has no client_id.",
        f"[auth] in {where} has no client_secret.",
        f"[auth] in {where} has no server_metadata_url.",
        f"[auth] in {where} has no redirect_uri.",
    ]


def test_an_empty_provider_setting_counts_as_missing(tmp_path):
    folder = _dir(tmp_path, secrets=GOOD_AUTH.replace('"sqr-tracker"', '""'))
    assert _problems(folder) == [
        f"[auth] in {folder / 'secrets.toml'} has no client_id."
    ]


def test_a_named_provider_section_does_not_stand_in_for_auth(tmp_path):
    """The app calls st.login() without a provider: [auth] itself must hold it."""
    secrets = f"""
[auth]
redirect_uri = "https://sqr.example.org/oauth2callback"
cookie_secret = "{SECRET}"

[auth.district]
client_id = "sqr-tracker"
client_secret = "from the provider"
server_metadata_url = "https://id.example.org/.well-known/openid-configuration"
"""
    folder = _dir(tmp_path, secrets=secrets)
    where = folder / "secrets.toml"
    assert _problems(folder) == [
        f"[auth] in {where} has no client_id.",
        f"[auth] in {where} has no client_secret.",
        f"[auth] in {where} has no server_metadata_url.",
    ]


def test_a_redirect_uri_not_ending_in_the_callback_is_named(tmp_path):
    secrets = GOOD_AUTH.replace("/oauth2callback", "/callback")
    folder = _dir(tmp_path, secrets=secrets)
    assert _problems(folder) == [
        f"[auth] redirect_uri in {folder / 'secrets.toml'} must end with "
        "/oauth2callback, not 'https://sqr.example.org/callback'."
    ]


def test_xsrf_protection_turned_off_is_named(tmp_path):
    config = GOOD_CONFIG.replace(
        "enableXsrfProtection = true", "enableXsrfProtection = false"
    )
    folder = _dir(tmp_path, config=config)
    assert _problems(folder) == [
        f"server.enableXsrfProtection is false in {folder / 'config.toml'}; "
        "set it to true."
    ]


def test_cors_turned_off_is_named(tmp_path):
    folder = _dir(
        tmp_path, config=GOOD_CONFIG.replace("enableCORS = true", "enableCORS = false")
    )
    assert _problems(folder) == [
        f"server.enableCORS is false in {folder / 'config.toml'}; set it to true."
    ]


def test_a_setting_that_is_not_a_boolean_is_named(tmp_path):
    folder = _dir(
        tmp_path, config=GOOD_CONFIG.replace("enableCORS = true", 'enableCORS = "no"')
    )
    assert _problems(folder) == [
        f"server.enableCORS in {folder / 'config.toml'} must be true, not 'no'."
    ]


def test_settings_left_out_keep_streamlits_defaults_which_are_on(tmp_path):
    assert _problems(_dir(tmp_path, config="[server]\nheadless = true\n")) == []
    assert _problems(_dir(tmp_path / "none", config=None)) == []


def test_a_config_that_is_not_toml_is_named(tmp_path):
    folder = _dir(tmp_path, config="[server\n")
    (found,) = _problems(folder)
    assert found.startswith(f"{folder / 'config.toml'} is not valid TOML: ")


@pytest.mark.parametrize("word", ["false", "0", "off", "No", " FALSE "])
def test_an_environment_variable_turning_xsrf_off_is_named(tmp_path, word):
    assert _problems(_dir(tmp_path), {XSRF: word}) == [
        f"{XSRF}={word} turns server.enableXsrfProtection off; unset it or set "
        "it to true."
    ]


def test_an_environment_variable_turning_cors_off_is_named(tmp_path):
    assert _problems(_dir(tmp_path), {CORS: "false"}) == [
        f"{CORS}=false turns server.enableCORS off; unset it or set it to true."
    ]


def test_an_environment_variable_overrides_the_config_file(tmp_path):
    off = GOOD_CONFIG.replace("= true", "= false")
    folder = _dir(tmp_path, config=off)
    assert _problems(folder, {XSRF: "true", CORS: "1"}) == []


def test_an_environment_variable_that_is_not_a_boolean_is_named(tmp_path):
    assert _problems(_dir(tmp_path), {CORS: "maybe"}) == [
        f"{CORS}='maybe' is neither true nor false."
    ]


def test_a_demo_data_file_is_named(tmp_path):
    folder = _dir(tmp_path)
    assert _problems(folder, demo=True) == [
        f"{folder / 'data.duckdb'} is the fictional demo district: without [auth] "
        "anyone may sign in as any of its users, and with it your people would "
        "find fictional data. Serve the district's own file (`sqr-tracker init`, "
        "then `sqr-tracker import`)."
    ]


def test_a_missing_data_file_is_named(tmp_path):
    folder = _dir(tmp_path)
    missing = tmp_path / "nothing.duckdb"
    assert deployment.problems(folder, missing, {}) == [
        f"There is no data file at {missing}: the app would build the fictional "
        "demo district there. Make the district's file with `sqr-tracker init` "
        "and import its data, or point --db or SQR_TRACKER_DB at it."
    ]


def test_a_data_file_in_use_is_named(tmp_path):
    def in_use(path: Path) -> bool:
        raise DataFileInUse("locked")

    folder = _dir(tmp_path)
    data = folder / "data.duckdb"
    data.touch()
    assert deployment.problems(folder, data, {}, is_demo=in_use) == [
        f"{data} is in use by another process (the app?), so whether it is a demo "
        "file could not be checked; run the check before starting the app."
    ]


def test_problems_come_together_in_order(tmp_path):
    folder = _dir(
        tmp_path,
        secrets=None,
        config=GOOD_CONFIG.replace("enableCORS = true", "enableCORS = false"),
    )
    found = _problems(folder, {XSRF: "off"}, demo=True)
    assert [problem.split(" ")[0] for problem in found] == [
        str(folder / "secrets.toml"),
        f"{XSRF}=off",
        "server.enableCORS",
        str(folder / "data.duckdb"),
    ]


def test_the_command_passes_a_ready_deployment(tmp_path, capsys):
    folder, data = _dir(tmp_path), _district(tmp_path)
    capsys.readouterr()
    code = main(["check-config", "--config-dir", str(folder), "--db", str(data)])
    assert code == 0
    assert capsys.readouterr().out == "The configuration is ready for production.\n"


def test_the_command_names_each_problem_and_exits_1(tmp_path, capsys, monkeypatch):
    folder = _dir(tmp_path, secrets='[auth]\ncookie_secret = "short"\n')
    data = tmp_path / "demo.duckdb"
    args = ["--schools", "2", "--seed", "3", "--today", "2026-12-03"]
    assert main(["demo", "--db", str(data), *args]) == 0
    monkeypatch.setenv(CORS, "false")
    capsys.readouterr()
    assert main(["check-config", "--config-dir", str(folder), "--db", str(data)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "sqr-tracker: the configuration is not ready for production:"
    where = folder / "secrets.toml"
    assert lines[1:] == [
        f"  - [auth] cookie_secret in {where} is 5 bytes; it must be at least 32 "
        '(`python -c "import secrets; print(secrets.token_urlsafe(32))"`).',
        f"  - [auth] in {where} has no client_id.",
        f"  - [auth] in {where} has no client_secret.",
        f"  - [auth] in {where} has no server_metadata_url.",
        f"  - [auth] in {where} has no redirect_uri.",
        f"  - {CORS}=false turns server.enableCORS off; unset it or set it to true.",
        f"  - {data} is the fictional demo district: without [auth] anyone may "
        "sign in as any of its users, and with it your people would find "
        "fictional data. Serve the district's own file (`sqr-tracker init`, then "
        "`sqr-tracker import`).",
    ]


def test_the_command_reads_the_data_file_from_the_environment(
    tmp_path, capsys, monkeypatch
):
    folder, data = _dir(tmp_path), _district(tmp_path)
    monkeypatch.setenv("SQR_TRACKER_DB", str(data))
    capsys.readouterr()
    assert main(["check-config", "--config-dir", str(folder)]) == 0
    monkeypatch.setenv("SQR_TRACKER_DB", str(tmp_path / "gone.duckdb"))
    assert main(["check-config", "--config-dir", str(folder)]) == 1
    assert "There is no data file at" in capsys.readouterr().err


def test_the_command_defaults_to_the_projects_streamlit_folder():
    parsed = _parser().parse_args(["check-config"])
    assert parsed.config_dir == Path(deployment.PROJECT_ROOT) / ".streamlit"


def test_the_projects_own_config_toml_passes_the_server_checks():
    path = deployment.CONFIG_DIR / "config.toml"
    config, unreadable = deployment.read_toml(path)
    assert unreadable == []
    assert deployment.server_problems(config, path, {}) == []
