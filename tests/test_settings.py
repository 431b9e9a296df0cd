"""Settings: flags over the environment over talkseek.toml, and a key that never leaks."""

import pytest

from indexer.core.settings import SettingsError, load_settings


def write(folder, text):
    (folder / "talkseek.toml").write_text(text, encoding="utf-8")


def test_without_a_file_or_environment_whoosh_is_used(tmp_path):
    settings = load_settings(tmp_path, environ={})
    assert settings.engine == "whoosh"
    assert settings.typesense.nodes == ("http://127.0.0.1:8108",)


def test_flags_win_over_the_environment_which_wins_over_the_file(tmp_path):
    write(tmp_path, 'engine = "typesense"\n[typesense]\nnodes = ["http://a:8108", "http://b:8108"]\n'
                    'collection_prefix = "talks"\ntimeout_seconds = 5\n')
    from_file = load_settings(tmp_path, environ={})
    assert from_file.engine == "typesense"
    assert from_file.typesense.nodes == ("http://a:8108", "http://b:8108")
    assert (from_file.typesense.collection_prefix, from_file.typesense.timeout_seconds) == (
        "talks", 5.0)
    env = {"TALKSEEK_ENGINE": "whoosh", "TALKSEEK_TYPESENSE_NODES": "http://c:9000,http://d:9000",
           "TALKSEEK_TYPESENSE_PREFIX": "other", "TALKSEEK_TYPESENSE_TIMEOUT": "1.5"}
    from_env = load_settings(tmp_path, environ=env)
    assert from_env.engine == "whoosh"
    assert from_env.typesense.nodes == ("http://c:9000", "http://d:9000")
    assert (from_env.typesense.collection_prefix, from_env.typesense.timeout_seconds) == (
        "other", 1.5)
    assert load_settings(tmp_path, engine="typesense", environ=env).engine == "typesense"


def test_the_api_key_comes_from_the_environment_only_and_is_never_shown(tmp_path):
    settings = load_settings(tmp_path, environ={"TALKSEEK_TYPESENSE_API_KEY": "s3cret-key"})
    assert settings.typesense.api_key == "s3cret-key"
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings)
    write(tmp_path, '[typesense]\napi_key = "s3cret-key"\n')
    with pytest.raises(SettingsError, match="TALKSEEK_TYPESENSE_API_KEY"):
        load_settings(tmp_path, environ={})


@pytest.mark.parametrize(("text", "says"), [
    ('engine = "typesense"\n[typesense\n', "line 2"),
    ('[typesense]\nnodes = ["ftp://a"]\n', "typesense.nodes"),
    ('[typesense]\nnodes = []\n', "list of URLs"),
    ('[typesense]\ncollection_prefix = "a b"\n', "prefix"),
    ('[typesense]\ntimeout_seconds = -1\n', "seconds"),
    ('typesense = 3\n', "table"),
])  # fmt: skip
def test_a_broken_settings_file_is_reported_with_where(tmp_path, text, says):
    write(tmp_path, text)
    with pytest.raises(SettingsError, match=r"talkseek\.toml") as raised:
        load_settings(tmp_path, environ={})
    assert says in str(raised.value)


def test_the_model_comes_from_the_flag_the_environment_or_the_file(tmp_path):
    assert load_settings(tmp_path, environ={}).model == "sentence-transformers/all-MiniLM-L6-v2"
    assert load_settings(tmp_path, environ={}).meaning
    write(tmp_path, 'model = "BAAI/bge-small-en-v1.5"\n')
    assert load_settings(tmp_path, environ={}).model == "BAAI/bge-small-en-v1.5"
    assert load_settings(tmp_path, environ={"TALKSEEK_MODEL": "/models/mini"}).model == (
        "/models/mini")
    chosen = load_settings(tmp_path, environ={"TALKSEEK_MODEL": "/models/mini"}, model="off")
    assert chosen.model == "off" and not chosen.meaning
