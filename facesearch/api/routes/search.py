from __future__ import annotations

from fastapi import APIRouter, File, Query, UploadFile

from facesearch.api.backend import BackendDep, PeopleReadDep
from facesearch.api.schemas import SearchOut
from facesearch.api.uploads import read_upload
from facesearch.people.search import search_seen, see

router = APIRouter(prefix="/api", tags=["search"])


@router.post("/search")
def search(
    backend: BackendDep,
    people: PeopleReadDep,
    photo: UploadFile = File(...),
    limit: int | None = Query(default=None, ge=1, le=100),
) -> SearchOut:
    """Every face in the photo with its best matches."""
    s = backend.settings
    data = read_upload(photo, s.max_upload_mb)
    k = min(limit or s.default_limit, s.max_limit)
    d = backend.decision
    with backend.decoding(data):
        seen = see(backend.models, data)
    return SearchOut.of(search_seen(people, seen, limit=k, threshold=d.threshold, margin=d.margin, rule=d.rule))
