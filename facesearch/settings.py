"""The one settings object. Every value comes from the environment or the project's `.env` (whatever the
current folder); `.env.example` lists them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
"""The project's folder (where start.sh lives)."""


class Settings(BaseSettings):
    """Configuration for every facesearch process. Environment names are `FACESEARCH_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="FACESEARCH_", env_file=ROOT / ".env", extra="ignore")

    # Where things run. Hosts are names or IPs; ports are TCP ports.
    weaviate_host: str = "127.0.0.1"
    weaviate_port: int = 8080
    weaviate_grpc_port: int = 50051
    weaviate_cluster_port: int = Field(
        default=7946, description="First of five ports Weaviate uses inside (gossip, data, Raft, Raft RPC, profiling)."
    )
    vectorizer_host: str = "127.0.0.1"
    vectorizer_port: int = 8090
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    inference_api: str | None = Field(
        default=None,
        description="URL Weaviate uses to reach the vectorizer; defaults to http://<vectorizer_host>:<vectorizer_port>.",
    )

    # Local mode: the Weaviate binary and where state lives.
    weaviate_bin: Path | None = Field(
        default=None, validation_alias=AliasChoices("WEAVIATE_BIN", "FACESEARCH_WEAVIATE_BIN")
    )
    state_dir: Path = ROOT / ".facesearch"
    images_dir: Path = ROOT / "images"
    frontend_dir: Path = ROOT / "frontend" / "dist"

    # Weaviate collections.
    collection: str = "FaceRecognition"
    library_collection: str = Field(default="LibraryFace", description="One object per face of a library photo.")
    library_photo_collection: str = Field(
        default="LibraryPhoto", description="One object per library photo (no vector): what was indexed, and when."
    )

    # The photo library: folders of ordinary photos, searched by face.
    library_root: Path = Field(
        default=ROOT / "library", description="The API indexes and serves only folders under this one."
    )
    # Chosen by bench/library.py on lfw-dev + lfw-dev-multi: the lowest similarity with precision >= 0.95.
    library_threshold: float = Field(
        default=0.98, ge=0.0, le=1.0, description="Similarity (0..1) a library face needs to be a match."
    )
    library_threshold_min: float = Field(
        default=0.96, ge=0.0, le=1.0, description="The lowest similarity the page's slider offers."
    )

    # Faces.
    detector: Literal["hog", "cnn"] = "hog"
    embedder: Literal["onnx", "dlib"] = Field(
        default="onnx", description="onnx: the ONNX port of dlib's ResNet (same vectors, faster); dlib: dlib's own."
    )
    # A face is known when its best certainty >= threshold and beats every other person by >= margin.
    # Chosen on lfw-dev by bench/accuracy.py (most people accepted at <= 1% false accepts); see README.
    threshold: float = Field(default=0.9725, ge=0.0, le=1.0, description="Certainty (0..1) a known face needs.")
    margin: float = Field(
        default=0.0075, ge=0.0, le=0.5, description="Certainty by which the best person must beat the next person."
    )
    mirror: bool = Field(default=True, description="Average each face's embedding with its mirror image's.")

    # Requests and work.
    max_upload_mb: int = Field(default=10, ge=1)
    default_limit: int = Field(default=1, ge=1, le=10)
    max_limit: int = Field(default=10, ge=1, le=100)
    vectorizer_workers: int = Field(default=2, ge=1)
    import_workers: int = Field(default=2, ge=1)
    startup_timeout_s: float = Field(default=120.0, gt=0)

    @property
    def weaviate_url(self) -> str:
        return f"http://{self.weaviate_host}:{self.weaviate_port}"

    @property
    def vectorizer_url(self) -> str:
        return f"http://{self.vectorizer_host}:{self.vectorizer_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.api_host}:{self.api_port}"

    @property
    def image_inference_api(self) -> str:
        return self.inference_api or self.vectorizer_url


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
