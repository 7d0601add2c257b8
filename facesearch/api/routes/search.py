from __future__ import annotations

from fastapi import APIRouter, File, Query, UploadFile

from facesearch.api.backend import BackendDep, CollectionDep
from facesearch.api.schemas import SearchOut
from facesearch.api.uploads import read_upload
from facesearch.search import search_photo

router = APIRouter(prefix="/api", tags=["search"])


@router.post("/search")
def search(
    backend: BackendDep,
    collection: CollectionDep,
    photo: UploadFile = File(...),
    limit: int | None = Query(default=None, ge=1, le=100),
) -> SearchOut:
    """Every face in the photo with its best matches."""
    s = backend.settings
    data = read_upload(photo, s.max_upload_mb)
    k = min(limit or s.default_limit, s.max_limit)
    reading = backend.replication.reading(collection)
    result = search_photo(backend.models, reading, data, limit=k, threshold=s.threshold, margin=s.margin, rule=s.rule)
    return SearchOut.of(result)
