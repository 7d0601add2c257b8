"""People in the library's photos: the groups of faces, named, merged, corrected and hidden (docs/api.md, "People in
your photos"). Every change takes the write lock and needs a write key."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from facesearch.api.backend import Backend, BackendDep, LibraryDep, LibraryReadDep, PeopleDep, PeopleReadDep
from facesearch.api.routes.library import taken_out
from facesearch.api.schemas import (
    BoxOut, FacesIn, GroupDetailOut, GroupFaceOut, GroupOnlyOut, GroupOut, GroupsOut, HideIn, JobOut, MergeIn,
    MovedOut, MoveIn, NameIn, PairIn, RemovedOut, SuggestionOut, SuggestionsOut,
)
from facesearch.library import groups
from facesearch.library.root import folder_name, resolve_folder
from facesearch.store import groups as store
from facesearch.store.library import Library
from facesearch.store.people import People

router = APIRouter(prefix="/api/library", tags=["groups"])


def group_out(library: Library, people: People, group_id: str) -> GroupOut:
    return GroupOut.of(groups.summary_of(library, people, group_id))


@router.get("/groups")
def list_groups(
    backend: BackendDep, library: LibraryReadDep, people: PeopleReadDep, min_faces: int | None = Query(None, ge=1),
    folder: str | None = None, hidden: bool = False,
) -> GroupsOut:
    """The groups, biggest first, with the regrouping job."""
    rule = backend.grouper.rule
    folders = None if folder is None else [str(resolve_folder(backend.settings.library_root, folder))]
    listed = groups.listing(library, people, min_faces=min_faces or rule.min_faces, min_width=rule.min_width,
                            folders=folders, hidden=hidden)
    job = backend.jobs.regroup_job
    return GroupsOut(groups=[GroupOut.of(s) for s in listed.groups], ungrouped=listed.ungrouped,
                     min_faces=min_faces or rule.min_faces, grouping=JobOut.of(job) if job else None)


@router.get("/groups/suggestions")
def suggestions(
    backend: BackendDep, library: LibraryReadDep, people: PeopleReadDep, limit: int = Query(20, ge=1, le=200)
) -> SuggestionsOut:
    """Pairs of groups that may be one person, most alike first."""
    found = groups.suggestions(library, backend.grouper.rule, limit)
    return SuggestionsOut(suggestions=[
        SuggestionOut(a=group_out(library, people, s.a), b=group_out(library, people, s.b), similarity=s.similarity)
        for s in found
    ])


@router.post("/groups/suggestions/dismiss", status_code=204)
def dismiss(body: PairIn, backend: BackendDep, library: LibraryDep) -> Response:
    with backend.write_lock:
        groups.dismiss(library, body.a, body.b)
    return Response(status_code=204)


@router.post("/groups/regroup", status_code=202)
def regroup(backend: BackendDep, library: LibraryDep) -> JobOut:
    """Group the whole library again, in turn with the indexing jobs."""
    grouper = backend.grouper
    return JobOut.of(backend.jobs.regroup(lambda on_progress: grouper.regroup(library, on_progress).summary()))


@router.post("/groups/merge")
def merge(body: MergeIn, backend: BackendDep, library: LibraryDep, people: PeopleDep) -> GroupOnlyOut:
    with backend.write_lock:
        merged = groups.merge_groups(library, body.into, body.from_)
    return GroupOnlyOut(group=group_out(library, people, merged.id))


@router.get("/groups/{group_id}")
def group(group_id: str, backend: BackendDep, library: LibraryReadDep, people: PeopleReadDep) -> GroupDetailOut:
    """One group and every face in it, newest photo first."""
    summary = groups.summary_of(library, people, group_id)
    faces = sorted(store.faces_in(library, group_id), key=lambda f: (f.taken.at.isoformat() if f.taken else "", f.path),
                   reverse=True)
    return GroupDetailOut(group=GroupOut.of(summary), faces=[face_out(backend, f) for f in faces])


def face_out(backend: Backend, f) -> GroupFaceOut:  # noqa: ANN001 - a store.library.LibraryFace
    return GroupFaceOut(
        face_id=f.id, photo_id=f.photo_id, folder=folder_name(backend.settings.library_root, f.folder) or "",
        path=f.path, box=BoxOut(**f.box.to_json()), width=f.photo_width, height=f.photo_height,
        image_url=f"/api/library/photos/{f.photo_id}/image", face_url=f"/api/library/faces/{f.id}/image",
        **taken_out(f.taken),
    )


@router.post("/groups/{group_id}/name")
def name(group_id: str, body: NameIn, backend: BackendDep, library: LibraryDep, people: PeopleDep) -> GroupOnlyOut:
    """Name a group: it becomes an enrolled person (or, with merge, joins the one of that name)."""
    with backend.write_lock:
        named = groups.name_group(library, people, backend.models, backend.settings.images_dir, group_id, body.name,
                                  merge=body.merge)
    backend.people_changed()
    return GroupOnlyOut(group=group_out(library, people, named.id))


@router.post("/groups/{group_id}/remove")
def remove(group_id: str, body: FacesIn, backend: BackendDep, library: LibraryDep, people: PeopleDep) -> RemovedOut:
    """Not this person: the faces leave the group for good."""
    with backend.write_lock:
        removed = groups.remove_faces(library, backend.grouper, group_id, body.faces)
    return RemovedOut(group=group_out(library, people, group_id), removed=removed)


@router.post("/groups/{group_id}/move")
def move(group_id: str, body: MoveIn, backend: BackendDep, library: LibraryDep, people: PeopleDep) -> MovedOut:
    with backend.write_lock:
        moved = groups.move_faces(library, group_id, body.faces, body.to)
    return MovedOut(group=group_out(library, people, group_id), to=group_out(library, people, body.to), moved=moved)


@router.post("/groups/{group_id}/hide")
def hide(group_id: str, body: HideIn, backend: BackendDep, library: LibraryDep, people: PeopleDep) -> GroupOnlyOut:
    with backend.write_lock:
        groups.hide(library, group_id, body.hidden)
    return GroupOnlyOut(group=group_out(library, people, group_id))


@router.get("/faces/{face_id}/image")
def face_image(face_id: str, library: LibraryReadDep) -> Response:
    """A library face's crop, as the face vectorizer saw it."""
    return Response(content=groups.face_crop(library, face_id), media_type="image/jpeg",
                    headers={"Cache-Control": "max-age=60"})
