from __future__ import annotations

import httpx
from fastapi import APIRouter

from facesearch.api.backend import BackendDep
from facesearch.api.schemas import ReadyOut
from facesearch.errors import NotReady

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """The process runs."""
    return {"status": "ok"}


@router.get("/ready")
def ready(backend: BackendDep) -> ReadyOut:
    """Weaviate and the face vectorizer answer: "ready", or "degraded" when a Weaviate node is out of the
    cluster but the rest still serve (503 when no node answers)."""
    backend.handles()
    url = f"{backend.settings.vectorizer_url}/.well-known/ready"
    try:
        httpx.get(url, timeout=2).raise_for_status()
    except httpx.HTTPError as e:
        raise NotReady(f"The face vectorizer is not ready at {backend.settings.vectorizer_url}.") from e
    state = backend.cluster()
    return ReadyOut(
        status="degraded" if state.degraded else "ready",
        weaviate_nodes=state.expected,
        nodes_in=[n.name for n in state.nodes if n.in_cluster],
        nodes_out=state.down,
    )


@router.get("/config")
def config(backend: BackendDep) -> dict[str, float | int | str]:
    """What the page needs to know: threshold and margin (certainty 0..1) and the rule, upload limit (MB),
    result limits, the library's default similarity floor and the lowest its slider goes (0..1), the smallest face
    grouped (px) and the smallest group listed."""
    s, d = backend.settings, backend.decision
    return {
        "threshold": d.threshold,
        "margin": d.margin,
        "rule": d.rule,
        "max_upload_mb": s.max_upload_mb,
        "default_limit": s.default_limit,
        "max_limit": s.max_limit,
        "library_threshold": d.library_threshold,
        "library_threshold_min": d.library_threshold_min,
        "min_face_px": backend.grouper.rule.min_width,
        "group_min_faces": backend.grouper.rule.min_faces,
    }
