"""Naming library faces after enrolled people, with the app's known/unknown rule (facesearch.people.decide).

A library face is tagged with a person when the person search would name that person for it. A person
is in a photo at most once: of several faces of one photo named alike, only the most similar keeps the
name. Tagging compares vectors Weaviate already holds (nearVector); it never computes one. A tagged face is in its
person's group (`store.groups`); a face a user placed in a group is never tagged again, and one a user took out of
a person's group is never tagged as that person. After tagging, new faces nobody is known as are grouped
(`grouping.Grouper`) when the tagger has a grouper.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import replace

from facesearch.library.grouping import Grouper
from facesearch.people.decide import Rule, choose
from facesearch.people.search import POOL
from facesearch.store import groups
from facesearch.store import library as records
from facesearch.store import people as enrolled
from facesearch.store.library import Library
from facesearch.store.people import People


class Tagger:
    """Tags library faces against the enrolled people in `people` (the FaceRecognition collection)."""

    def __init__(
        self, people: People, threshold: float, margin: float, rule: Rule = "best", grouper: Grouper | None = None
    ) -> None:
        self.people = people
        self.threshold = threshold
        self.margin = margin
        self.rule = rule
        self.grouper = grouper

    def person_of(self, vector: list[float]) -> tuple[str, float]:
        """The person a face vector is known as and the certainty, or ("", 0.0) for nobody."""
        found = enrolled.nearest_to_vector(self.people, vector, POOL)
        chosen = choose(found, self.threshold, self.margin, self.rule)
        return (chosen.person_id, chosen.certainty) if chosen else ("", 0.0)

    def tag(self, library: Library, face_ids: list[str]) -> int:
        """Tag these faces (every face of a photo that could be tagged must be among them), and group the new ones
        nobody is known as; the number whose tag changed. Holds the grouper's lock (the API's write lock)."""
        with self.grouper.lock if self.grouper else nullcontext():
            return self._tag(library, face_ids)

    def _tag(self, library: Library, face_ids: list[str]) -> int:
        faces = [f for f in records.faces_with_ids(library, face_ids, vectors=True) if not f.group_fixed]
        person_groups = _PersonGroups(library)
        best: dict[tuple[str, str], tuple[float, str]] = {}
        for face in faces:
            person, certainty = self.person_of(face.vector or [])
            key = (face.photo_id, person)
            if person and person_groups.id_of(person) in face.not_groups:
                continue
            if person and certainty > best.get(key, (0.0, ""))[0]:
                best[key] = (certainty, face.id)
        wanted = {face_id: person for (_, person), (_, face_id) in best.items()}
        changed = 0
        for face in faces:
            person = wanted.get(face.id, "")
            group = person_groups.id_of(person) if person else ("" if face.person_id else face.group_id)
            if (person, group) != (face.person_id, face.group_id):  # a face tagged before groups were kept too
                records.set_person(library, face.id, person, group)
                changed += person != face.person_id
        if self.grouper:
            self.grouper.group_new(library, face_ids)
        return changed

    def retag_all(self, library: Library) -> int:
        """Tag the whole library again, after people changed; the number of faces whose tag changed.

        Only faces near an enrolled face can be named (their best certainty must reach the threshold,
        and a runner-up within the margin can take a name away), so only those and the faces tagged
        now are looked at: the work grows with the people, not with the library.
        """
        with self.grouper.lock if self.grouper else nullcontext():
            self.unname_removed(library)
            ids = {f.id for f in records.tagged_faces(library)}
            floor = max(0.0, self.threshold - self.margin)
            for _, vector in enrolled.face_vectors(self.people):
                ids |= {face.id for face, _ in records.nearest(library, certainty=floor, vector=vector)}
            return self.tag(library, sorted(ids))

    def unname_removed(self, library: Library) -> None:
        """A group named after a person who is no longer enrolled keeps its faces, unnamed, and they lose the tag."""
        held = {f.person_id for f in enrolled.all_faces(self.people)}
        for group in groups.all_groups(library).values():
            if group.person_id and group.person_id not in held:
                gone = [f.id for f in groups.faces_in(library, group.id) if f.person_id == group.person_id]
                groups.set_faces(library, {face_id: {"person_id": ""} for face_id in gone})
                groups.save_group(library, replace(group, person_id="", name=""))


class _PersonGroups:
    """The group of each enrolled person, looked up (and made) once per tagging."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.ids: dict[str, str] = {}

    def id_of(self, person_id: str) -> str:
        if person_id not in self.ids:
            found = groups.group_of_person(self.library, person_id)
            if found is None:
                found = groups.Group(groups.person_group_id(person_id), person_id=person_id)
                groups.save_group(self.library, found)
            self.ids[person_id] = found.id
        return self.ids[person_id]
