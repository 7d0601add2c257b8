"""The one settings object. Every value comes from the environment or the project's `.env` (whatever the
current folder); `.env.example` lists them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
"""The project's folder (where start.sh lives)."""


@dataclass(frozen=True)
class WeaviateEndpoint:
    """Where one Weaviate node answers: HTTP (REST) and gRPC host and port; `secure`: https and TLS."""

    host: str
    port: int
    grpc_host: str
    grpc_port: int
    secure: bool = False

    @property
    def url(self) -> str:
        return f"{'https' if self.secure else 'http'}://{self.host}:{self.port}"


def node_hostname(k: int) -> str:
    """Local node k's (from 1) name in the cluster (Weaviate's CLUSTER_HOSTNAME): facesearch, facesearch2, ...
    (the first is a single node's name too)."""
    return "facesearch" if k == 1 else f"facesearch{k}"


def node_program(k: int) -> str:
    """Local node k's (from 1) supervisor program and data folder: weaviate, weaviate2, ..."""
    return "weaviate" if k == 1 else f"weaviate{k}"


class Settings(BaseSettings):
    """Configuration for every facesearch process. Environment names are `FACESEARCH_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="FACESEARCH_", env_file=ROOT / ".env", extra="ignore")

    # Where things run. Hosts are names or IPs; ports are TCP ports.
    weaviate_host: str = "127.0.0.1"
    weaviate_port: int = 8080
    weaviate_grpc_port: int = 50051
    weaviate_cluster_port: int = Field(
        default=7946, description="First of five ports kept for Weaviate: gossip, data, Raft, Raft RPC, one spare."
    )
    weaviate_grpc_host: str | None = Field(default=None, description="Weaviate's gRPC host; defaults to weaviate_host.")
    weaviate_secure: bool = Field(default=False, description="https and TLS gRPC, for a Weaviate elsewhere.")
    weaviate_nodes: int = Field(
        default=1, ge=1, le=9, description="Weaviate nodes in the cluster: how many local mode starts, joined in one."
    )
    weaviate_hosts: list[str] = Field(
        default=[], description="Hosts of the cluster's nodes, all on weaviate_port and weaviate_grpc_port, that "
        "clients fall back to in turn; unset: local mode's nodes (node k on weaviate_port + k - 1).",
    )
    vectorizer_host: str = "127.0.0.1"
    vectorizer_port: int = 8090
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    inference_api: str | None = Field(
        default=None,
        description="URL Weaviate uses to reach the vectorizer; defaults to http://<vectorizer_host>:<vectorizer_port>.",
    )

    # Access. Weaviate never runs without an API key: unset, local mode makes one on first start and keeps it in
    # <state_dir>/weaviate.key (mode 0600); compose reads it from .env, where start.sh puts a new one.
    weaviate_api_key: str | None = Field(default=None, repr=False)
    api_read_key_required: bool = Field(
        default=False, description="Whether reads (search, people, photos) need an API key too; writes always do."
    )
    cors_origins: list[str] = Field(
        default=[], description="Origins (scheme://host:port) whose pages may call the API; none by default."
    )
    allowed_hosts: list[str] = Field(
        default=[], description="Names or IPs the API is reached as, besides localhost, 127.0.0.1, [::1] and api_host; "
        "a request whose Host header names anything else is refused (400 bad_host), which stops DNS rebinding.",
    )

    # Local mode: the Weaviate binary and where state lives.
    weaviate_bin: Path | None = Field(
        default=None, validation_alias=AliasChoices("WEAVIATE_BIN", "FACESEARCH_WEAVIATE_BIN")
    )
    state_dir: Path = ROOT / ".facesearch"
    images_dir: Path = ROOT / "images"
    frontend_dir: Path = ROOT / "frontend" / "dist"
    backup_dir: Path | None = Field(
        default=None, description="Where Weaviate writes backups (local mode); default <state_dir>/backups."
    )

    # Backups: which of Weaviate's backup modules writes them. A cluster cannot use the filesystem (Weaviate
    # refuses it on more than one node); s3 is any S3-compatible store, configured below (local mode and compose
    # pass these to Weaviate); gcs and azure need their module configured in Weaviate itself (README, Backups).
    backup_backend: Literal["filesystem", "s3", "gcs", "azure"] = Field(
        default="filesystem", description="Where backups go: a folder (one node only), S3, GCS or Azure storage."
    )
    backup_s3_bucket: str | None = Field(default=None, description="The bucket (it must exist) for backend s3.")
    backup_s3_endpoint: str | None = Field(
        default=None,
        description="host:port of an S3-compatible store, without a scheme; unset: AWS (s3.amazonaws.com).",
    )
    backup_s3_path: str | None = Field(default=None, description="A prefix in the bucket under which backups go.")
    backup_s3_use_ssl: bool = Field(default=True, description="https to the S3 store; false for a plain-http one.")
    # Weaviate's backup-s3 module reads the standard AWS names; unset keys: it asks the machine's IAM role.
    aws_access_key_id: str | None = Field(
        default=None, repr=False, validation_alias=AliasChoices("AWS_ACCESS_KEY_ID", "FACESEARCH_AWS_ACCESS_KEY_ID")
    )
    aws_secret_access_key: str | None = Field(
        default=None, repr=False,
        validation_alias=AliasChoices("AWS_SECRET_ACCESS_KEY", "FACESEARCH_AWS_SECRET_ACCESS_KEY"),
    )
    aws_region: str | None = Field(
        default=None, validation_alias=AliasChoices("AWS_REGION", "FACESEARCH_AWS_REGION")
    )

    # Weaviate collections. Replication and shards apply when a collection is created.
    replication_factor: int | None = Field(
        default=None, ge=1, description="Copies of every object, on as many nodes; default min(weaviate_nodes, 3)."
    )
    shards: int = Field(default=1, ge=1, description="Shards per collection (Weaviate's desiredCount).")
    write_consistency: Literal["ONE", "QUORUM", "ALL"] = Field(
        default="QUORUM", description="Replicas that must acknowledge a write (import, index, tag, remove)."
    )
    read_consistency: Literal["ONE", "QUORUM", "ALL"] = Field(
        default="QUORUM", description="Replicas that must agree on a search's or a find's answers."
    )
    collection: str = "FaceRecognition"
    library_collection: str = Field(default="LibraryFace", description="One object per face of a library photo.")
    library_group_collection: str = Field(
        default="LibraryGroup", description="One object per group of library faces (a person in the photos)."
    )
    library_photo_collection: str = Field(
        default="LibraryPhoto", description="One object per library photo (no vector): what was indexed, and when."
    )

    # The photo library: folders of ordinary photos, searched by face.
    library_root: Path = Field(
        default=ROOT / "library", description="The API indexes and serves only folders under this one."
    )
    # Unset thresholds come from the embedder's model card ([decision.<detector>]), where bench/library.py
    # put them: the lowest similarity with precision >= 0.95 on lfw-dev + lfw-dev-multi (the face layer reads
    # the card: facesearch.face.embed.decision_for).
    library_threshold: float | None = Field(
        default=None, ge=0.0, le=1.0, description="Similarity (0..1) a library face needs to be a match."
    )
    library_threshold_min: float | None = Field(
        default=None, ge=0.0, le=1.0, description="The lowest similarity the page's slider offers."
    )
    # The folder watcher (local mode's `watcher` program, compose's `watcher` service, facesearch.library.watch):
    # photos added, changed, moved or removed in an indexed folder under library_root are indexed within seconds.
    watch: bool = Field(
        default=True, description="Watch the indexed library folders and index what changes in them; false: off."
    )
    watch_debounce_ms: int = Field(
        default=1600, ge=100, le=60_000,
        description="Milliseconds over which the watcher gathers changes into one report (a burst of files is one).",
    )

    # Faces. Changing the detector, the embedder or mirroring changes the vector space: run `facesearch reindex`.
    detector: Literal["yunet", "hog", "cnn"] = Field(
        default="yunet", description="yunet: fast, 5 landmarks, finds small and turned faces; hog, cnn: dlib's."
    )
    embedder: str = Field(
        default="reid0095", description="A model card in facesearch/face/cards (reid0095, fusion, mobileface_v2, "
        "dlib_resnet) or the path of your own card.",
    )
    # A face is known when its person's score >= threshold and beats every other person by >= margin (see
    # facesearch.people.decide). Unset: the card's values, chosen by bench/accuracy.py on lfw-dev + lfw-dev-multi
    # (facesearch.face.embed.decision_for).
    threshold: float | None = Field(default=None, ge=0.0, le=1.0, description="Certainty (0..1) a known face needs.")
    margin: float | None = Field(
        default=None, ge=0.0, le=0.5, description="Certainty by which the best person must beat the next person."
    )
    rule: Literal["best", "best2"] | None = Field(
        default=None, description="A person's score: best, their best photo's certainty; best2, the mean of their best two.",
    )
    mirror: bool = Field(default=True, description="Average each face's embedding with its mirror image's.")
    min_face_px: int | None = Field(
        default=None, ge=0, le=10_000,
        description="Pixels: faces narrower are not looked for in large photos nor kept in the library. "
        "Unset: the face layer's default (facesearch.face.models.MIN_FACE_PX, chosen by bench/camera.py).",
    )

    # People in the library's photos (facesearch.library.grouping); unset: the defaults bench/cluster.py chose.
    group_distance: float | None = Field(
        default=None, gt=0.0, le=2.0,
        description="Cosine distance (0..2) within which two library faces may be one person's when grouping.",
    )
    group_min_faces: int | None = Field(
        default=None, ge=2, le=1000, description="The smallest group of faces the people lists show.",
    )

    # Requests and work.
    max_upload_mb: int = Field(default=10, ge=1)
    default_limit: int = Field(default=1, ge=1, le=10)
    max_limit: int = Field(default=10, ge=1, le=100)
    max_files: int = Field(
        default=20, ge=1, le=1000, description="Photos one request may carry (enrolling a person, adding photos); "
        "with max_upload_mb it sets the largest request body the API reads.",
    )
    body_timeout_s: float = Field(
        default=30.0, gt=0, description="Seconds a request body may pause; after them it must also have averaged "
        "8 KB a second. A body that does neither is refused (408 timeout).",
    )
    vectorizer_workers: int = Field(default=2, ge=1)
    # Bounded work per vectorizer process: Weaviate asks for up to 2 x its CPUs vectors at once per batch request,
    # the importer and the library send 2 batches at a time, and every searched face is one more request.
    vectorizer_max_body_mb: int = Field(
        default=16, ge=1, description="Megabytes of a request the vectorizer reads (a 10 MB photo is 13.4 MB base64)."
    )
    vectorizer_concurrency: int = Field(default=2, ge=1, description="Requests a vectorizer process computes at once.")
    vectorizer_queue: int = Field(
        default=256, ge=0, description="Requests a vectorizer process lets wait their turn; more are refused (503)."
    )
    # Bounded work in the API: decoding an uploaded photo and finding its faces (search, find, enrolment) costs
    # CPU in proportion to its pixels; past the bound a request is refused at once (503 busy), see facesearch.api.gate.
    photo_concurrency: int | None = Field(
        default=None, ge=1, description="Uploaded photos the API decodes and searches for faces at once; default: "
        "the CPU cores it may use.",
    )
    photo_queue: int | None = Field(
        default=None, ge=0, description="Uploaded photos that may wait their turn; more are refused (503). "
        "Default: 8 x photo_concurrency.",
    )
    large_photo_mp: float = Field(
        default=24.0, gt=0, description="Megapixels above which an uploaded photo is large: the API works on one "
        "large photo at a time and refuses another meanwhile (503).",
    )
    import_workers: int = Field(default=2, ge=1)
    startup_timeout_s: float = Field(default=120.0, gt=0)

    @model_validator(mode="after")
    def _replication(self) -> Settings:
        if self.replication_factor is None:
            self.replication_factor = min(self.weaviate_nodes, 3)
        if self.replication_factor > self.weaviate_nodes:
            raise ValueError(
                f"FACESEARCH_REPLICATION_FACTOR is {self.replication_factor} but the cluster has "
                f"{self.weaviate_nodes} node(s) (FACESEARCH_WEAVIATE_NODES); a node holds one copy at most."
            )
        return self

    @model_validator(mode="after")
    def _photo_bound(self) -> Settings:
        if self.photo_concurrency is None:
            self.photo_concurrency = max(1, len(os.sched_getaffinity(0)))
        if self.photo_queue is None:
            # 8 a place: half a second of ordinary searches (60 ms each) in line; room for 16 clients on 2 cores
            self.photo_queue = 8 * self.photo_concurrency
        return self

    @property
    def weaviate_url(self) -> str:
        return self.weaviate_endpoints[0].url

    @property
    def weaviate_endpoints(self) -> list[WeaviateEndpoint]:
        """Every node clients may use, first choice first: `weaviate_hosts` on the configured ports, else local
        mode's nodes, node k (from 1) on HTTP weaviate_port + k - 1 and gRPC weaviate_grpc_port + k - 1."""
        grpc_host = self.weaviate_grpc_host or self.weaviate_host
        if len(self.weaviate_hosts) == 1:
            host = self.weaviate_hosts[0]
            return [WeaviateEndpoint(host, self.weaviate_port, self.weaviate_grpc_host or host, self.weaviate_grpc_port,
                                     self.weaviate_secure)]
        if self.weaviate_hosts:
            return [WeaviateEndpoint(h, self.weaviate_port, h, self.weaviate_grpc_port, self.weaviate_secure)
                    for h in self.weaviate_hosts]
        return [
            WeaviateEndpoint(self.weaviate_host, self.weaviate_port + k, grpc_host, self.weaviate_grpc_port + k,
                             self.weaviate_secure)
            for k in range(self.weaviate_nodes)
        ]

    @property
    def vectorizer_url(self) -> str:
        return f"http://{self.vectorizer_host}:{self.vectorizer_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.api_host}:{self.api_port}"

    @property
    def image_inference_api(self) -> str:
        return self.inference_api or self.vectorizer_url

    @property
    def backups_path(self) -> Path:
        return self.backup_dir or self.state_dir / "backups"

    @property
    def backup_module(self) -> str:
        """The Weaviate module that writes backups: backup-filesystem, backup-s3, backup-gcs or backup-azure."""
        return f"backup-{self.backup_backend}"

    @property
    def weaviate_key_file(self) -> Path:
        """Local mode's Weaviate API key, made on first start when FACESEARCH_WEAVIATE_API_KEY is unset."""
        return self.state_dir / "weaviate.key"

    @property
    def api_keys_file(self) -> Path:
        """The API's keys, hashed (see facesearch.api.keys)."""
        return self.state_dir / "api_keys.json"


def weaviate_key(settings: Settings) -> str | None:
    """Weaviate's API key: FACESEARCH_WEAVIATE_API_KEY, else the one local mode made, else None."""
    if settings.weaviate_api_key:
        return settings.weaviate_api_key
    try:
        return settings.weaviate_key_file.read_text().strip() or None
    except FileNotFoundError:
        return None


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
