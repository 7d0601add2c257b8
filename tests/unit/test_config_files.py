"""Settings, .env.example and docker-compose.yml agree (compose cannot run here; this is what can be checked)."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from facesearch import WEAVIATE_VERSION
from facesearch.settings import ROOT, Settings

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
ENV_EXAMPLE = (ROOT / ".env.example").read_text()


def env_name(field: str) -> str:
    return "WEAVIATE_BIN" if field == "weaviate_bin" else f"FACESEARCH_{field.upper()}"


def test_every_setting_is_documented_in_env_example() -> None:
    missing = [env_name(f) for f in Settings.model_fields if env_name(f) not in ENV_EXAMPLE]
    assert missing == []


def test_env_example_names_only_real_settings() -> None:
    names = set(re.findall(r"\b(FACESEARCH_[A-Z0-9_]+)=", ENV_EXAMPLE))
    assert names <= {env_name(f) for f in Settings.model_fields}


def test_weaviate_bin_is_read_from_its_own_name(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("WEAVIATE_BIN", "/opt/weaviate-server")
    assert str(Settings(_env_file=None).weaviate_bin) == "/opt/weaviate-server"


def test_compose_weaviate_is_the_pinned_version() -> None:
    assert COMPOSE["services"]["weaviate"]["image"] == f"cr.weaviate.io/semitechnologies/weaviate:{WEAVIATE_VERSION}"
    scripts = (ROOT / "scripts" / "lib.sh").read_text()
    assert f"WEAVIATE_VERSION={WEAVIATE_VERSION}\n" in scripts


def test_every_compose_service_has_a_health_check() -> None:
    assert all("healthcheck" in s for s in COMPOSE["services"].values())


def test_compose_uses_real_setting_names() -> None:
    fields = {env_name(f) for f in Settings.model_fields}
    for name, service in COMPOSE["services"].items():
        used = set(service.get("environment", {})) | set(re.findall(r"\$\{(FACESEARCH_[A-Z_]+)", str(service)))
        assert {n for n in used if n.startswith("FACESEARCH_")} <= fields, name


def test_compose_weaviate_needs_its_key_and_is_not_published() -> None:
    weaviate = COMPOSE["services"]["weaviate"]
    env = weaviate["environment"]
    assert env["AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED"] == "false"
    assert env["AUTHENTICATION_APIKEY_ENABLED"] == "true"
    assert env["AUTHENTICATION_APIKEY_ALLOWED_KEYS"].startswith("${FACESEARCH_WEAVIATE_API_KEY:?")
    assert "ports" not in weaviate
    assert [n for n, s in COMPOSE["services"].items() if "ports" in s] == ["app"]


def test_compose_weaviate_uses_img2vec_with_our_vectorizer_and_a_resnet50_profile() -> None:
    weaviate = COMPOSE["services"]["weaviate"]["environment"]
    assert weaviate["ENABLE_MODULES"] == "img2vec-neural,backup-filesystem"
    assert weaviate["IMAGE_INFERENCE_API"].endswith("http://vectorizer:8080}")
    resnet = COMPOSE["services"]["resnet50"]
    assert resnet["image"] == "cr.weaviate.io/semitechnologies/img2vec-pytorch:resnet50"
    assert resnet["profiles"] == ["resnet50"]
    assert COMPOSE["services"]["app"]["depends_on"]["weaviate"]["condition"] == "service_healthy"


@pytest.mark.parametrize(("machine", "arch"), [("x86_64", "amd64"), ("amd64", "amd64"), ("aarch64", "arm64")])
def test_release_fallback_downloads_weaviates_documented_asset(machine: str, arch: str) -> None:
    """Weaviate's Linux release assets are weaviate-v<version>-linux-<arch>.tar.gz (no internet here to fetch one)."""
    url = subprocess.run(
        ["bash", "-c", f'source scripts/lib.sh && weaviate_release_url {WEAVIATE_VERSION} {machine}'],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert url == (
        f"https://github.com/weaviate/weaviate/releases/download/v{WEAVIATE_VERSION}/"
        f"weaviate-v{WEAVIATE_VERSION}-linux-{arch}.tar.gz"
    )


def test_release_fallback_refuses_an_architecture_without_a_release() -> None:
    result = subprocess.run(
        ["bash", "-c", "source scripts/lib.sh && weaviate_release_url 1.35.2 riscv64"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 1 and "riscv64" in result.stderr
