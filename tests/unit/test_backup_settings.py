"""Where backups go: the backend chosen in settings, what local mode tells Weaviate for it, and the sentence a
cluster gets when it is set to back up to a folder."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from weaviate.exceptions import UnexpectedStatusCodeError

from facesearch.errors import BadRequest, FaceSearchError
from facesearch.local.stack import StackError, settings_env, weaviate_env
from facesearch.settings import ROOT, Settings
from facesearch.store.backup import backend, check_module, cluster_needs_s3, location, weaviate_errors
from facesearch.testing import MINIO_VERSION

S3 = {"backup_backend": "s3", "backup_s3_bucket": "photos-backups", "backup_s3_endpoint": "minio.lan:9000",
      "backup_s3_path": "facesearch", "backup_s3_use_ssl": False, "aws_access_key_id": "AKIA-TEST",
      "aws_secret_access_key": "secret-test", "aws_region": "eu-west-1"}


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_backup_environment(monkeypatch) -> None:  # noqa: ANN001
    """These tests' settings come from their arguments alone, not from AWS or backup variables of the machine."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "FACESEARCH_BACKUP_BACKEND",
                 "FACESEARCH_BACKUP_S3_BUCKET", "FACESEARCH_BACKUP_S3_ENDPOINT", "FACESEARCH_BACKUP_S3_PATH"):
        monkeypatch.delenv(name, raising=False)


def test_the_tests_build_the_minio_scripts_lib_pins() -> None:
    assert f"MINIO_VERSION={MINIO_VERSION}\n" in (ROOT / "scripts" / "lib.sh").read_text()


def test_one_node_backs_up_to_a_folder_by_default() -> None:
    s = settings(state_dir=Path("/state"))
    env = weaviate_env(s, 1, Path("/d"), "key")
    assert env["ENABLE_MODULES"] == "img2vec-neural,backup-filesystem"
    assert env["BACKUP_FILESYSTEM_PATH"] == "/state/backups"
    assert not [name for name in env if name.startswith(("BACKUP_S3_", "AWS_"))]
    assert backend(s).value == "filesystem"


def test_s3_gives_every_node_the_module_the_bucket_the_store_and_the_keys() -> None:
    s = settings(weaviate_nodes=3, **S3)
    envs = [weaviate_env(s, k, Path(f"/d{k}"), "key") for k in (1, 2, 3)]
    for env in envs:
        assert env["ENABLE_MODULES"] == "img2vec-neural,backup-s3"
        assert {k: v for k, v in env.items() if k.startswith(("BACKUP_", "AWS_"))} == {
            "BACKUP_S3_BUCKET": "photos-backups", "BACKUP_S3_ENDPOINT": "minio.lan:9000",
            "BACKUP_S3_PATH": "facesearch", "BACKUP_S3_USE_SSL": "false", "AWS_ACCESS_KEY_ID": "AKIA-TEST",
            "AWS_SECRET_ACCESS_KEY": "secret-test", "AWS_REGION": "eu-west-1",
        }
    assert backend(s).value == "s3"


def test_s3_on_aws_passes_only_what_is_set() -> None:
    env = weaviate_env(settings(backup_backend="s3", backup_s3_bucket="b-1"), 1, Path("/d"), "key")
    assert {k: v for k, v in env.items() if k.startswith(("BACKUP_", "AWS_"))} == {
        "BACKUP_S3_BUCKET": "b-1", "BACKUP_S3_USE_SSL": "true",
    }


def test_gcs_and_azure_enable_their_module_and_leave_its_variables_to_the_environment() -> None:
    for name in ("gcs", "azure"):
        env = weaviate_env(settings(backup_backend=name), 1, Path("/d"), "key")
        assert env["ENABLE_MODULES"] == f"img2vec-neural,backup-{name}"
        assert not [k for k in env if k.startswith(("BACKUP_", "AWS_"))]


@pytest.mark.parametrize(("values", "sentence"), [
    ({"backup_backend": "s3"}, "FACESEARCH_BACKUP_BACKEND is s3 but FACESEARCH_BACKUP_S3_BUCKET is unset: name the "
     "bucket backups go to (Weaviate does not start without one)."),
    ({**S3, "backup_s3_endpoint": "http://minio.lan:9000"}, "FACESEARCH_BACKUP_S3_ENDPOINT is http://minio.lan:9000: "
     "give host:port alone (Weaviate's module refuses a scheme); FACESEARCH_BACKUP_S3_USE_SSL=false chooses http."),
])
def test_s3_settings_weaviate_would_not_start_with_are_refused_with_a_sentence(values: dict, sentence: str) -> None:
    with pytest.raises(StackError) as refused:
        weaviate_env(settings(**values), 1, Path("/d"), "key")
    assert str(refused.value) == sentence


def test_the_aws_keys_are_read_from_their_standard_names_and_reach_child_processes(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "from-aws-name")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "its-secret")
    monkeypatch.setenv("AWS_REGION", "us-east-2")
    s = settings()
    assert (s.aws_access_key_id, s.aws_secret_access_key, s.aws_region) == ("from-aws-name", "its-secret", "us-east-2")
    assert "its-secret" not in repr(s)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        monkeypatch.delenv(name)
    for name, value in settings_env(s).items():
        monkeypatch.setenv(name, value)
    assert settings().aws_secret_access_key == "its-secret"


@pytest.mark.parametrize(("prefix", "where"), [
    (None, "s3://photos-backups/nightly"),
    ("facesearch", "s3://photos-backups/facesearch/nightly"),
    ("/a/b/", "s3://photos-backups/a/b/nightly"),
])
def test_an_s3_backup_is_named_where_weaviate_writes_it(prefix: str | None, where: str) -> None:
    s = settings(**{**S3, "backup_s3_path": prefix})
    assert location(s, "nightly", "s3://photos-backups/facesearch/facesearch/nightly") == where
    assert location(settings(), "nightly", "/state/backups/nightly") == "/state/backups/nightly"


def test_a_cluster_set_to_back_up_to_a_folder_is_told_what_to_set_before_weaviate_is_asked() -> None:
    with pytest.raises(BadRequest) as refused:
        check_module(None, settings(weaviate_nodes=3))  # type: ignore[arg-type] - never reached
    assert refused.value.message == cluster_needs_s3(3) == (
        "Backups to a folder work on one Weaviate node, and this cluster has 3: Weaviate backs a cluster up only to "
        "S3, GCS or Azure storage, so set FACESEARCH_BACKUP_BACKEND=s3 and FACESEARCH_BACKUP_S3_BUCKET (for a store "
        "other than AWS also FACESEARCH_BACKUP_S3_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and stop "
        "and start the stack (README, Backups)."
    )


def test_a_backup_weaviate_refuses_is_refused_with_weaviates_reason() -> None:
    """A missing bucket, say: Weaviate answers 422 with its module's reason, which the sentence carries."""
    reason = "init uploader: failed to access-check s3 backup module: The specified bucket does not exist."
    answer = httpx.Response(422, json={"error": [{"message": reason}]}, request=httpx.Request("POST", "http://w/"))
    with pytest.raises(FaceSearchError) as refused, weaviate_errors(settings(), "make the backup nightly"):
        raise UnexpectedStatusCodeError("Backup creation", answer)
    assert refused.value.message == f"Weaviate could not make the backup nightly (status 422): {reason}"
