"""How a regroup turns clusters into groups (grouping.plan_groups), without Weaviate: what users said stays."""

from __future__ import annotations

from pathlib import Path

from facesearch.face.box import Box
from facesearch.face.embed import CARDS
from facesearch.library.grouping import plan_groups, rule_of
from facesearch.settings import Settings
from facesearch.store.groups import person_group_id
from facesearch.store.library import LibraryFace


def face(id_: str, photo: str, *, group: str = "", person: str = "", fixed: bool = False,
         not_groups: tuple[str, ...] = ()) -> LibraryFace:
    return LibraryFace(id_, "/lib", f"{photo}.jpg", photo, Box(0, 0, 100, 100), 1000, 800, person,
                       group_id=group, group_fixed=fixed, not_groups=not_groups)


def test_a_cluster_keeps_the_group_most_of_its_faces_were_in() -> None:
    a, b, c = face("a", "p1", group="old"), face("b", "p2", group="old"), face("c", "p3", group="other")
    assert plan_groups([a, b, c], [[a, b, c]], {}) == {"a": "old", "b": "old", "c": "old"}


def test_new_clusters_get_new_ids_and_a_face_alone_is_in_none() -> None:
    a, b, c = face("a", "p1"), face("b", "p2"), face("c", "p3")
    wanted = plan_groups([a, b, c], [[a, b], [c]], {})
    assert set(wanted) == {"a", "b"} and wanted["a"] == wanted["b"]


def test_tagged_and_placed_faces_stay_and_draw_their_cluster() -> None:
    ted = face("t", "p1", person="Ted_Lieu", group=person_group_id("Ted_Lieu"))
    placed = face("u", "p2", group="mine", fixed=True)
    loose = [face("x", "p3", group="mine"), face("y", "p4")]
    wanted = plan_groups([ted, placed, *loose], [[placed, loose[0]], [ted, loose[1]]], {})
    assert wanted == {"t": person_group_id("Ted_Lieu"), "u": "mine", "x": "mine", "y": person_group_id("Ted_Lieu")}


def test_a_face_never_joins_a_group_it_was_taken_out_of() -> None:
    a, b = face("a", "p1", group="g"), face("b", "p2", group="g")
    out = face("c", "p3", not_groups=("g",))
    assert plan_groups([a, b, out], [[a, b, out]], {}) == {"a": "g", "b": "g"}


def test_two_faces_of_one_photo_are_never_in_one_group() -> None:
    a, b, c = face("a", "p1", group="g"), face("b", "p2", group="g"), face("c", "p2")
    wanted = plan_groups([a, b, c], [[a, b, c]], {})
    assert wanted == {"a": "g", "b": "g"}


def test_a_named_group_keeps_its_id_for_its_person() -> None:
    ted = face("t", "p1", person="Ted_Lieu", group="named")
    other = face("o", "p2")
    assert plan_groups([ted, other], [[ted, other]], {"Ted_Lieu": "named"}) == {"t": "named", "o": "named"}


def test_the_group_distances_are_the_cards_unless_a_setting_says_otherwise(tmp_path: Path) -> None:
    card = tmp_path / "mine.toml"
    card.write_text((CARDS / "mobileface_v2.toml").read_text().replace('file = "../weights/', f'file = "{CARDS.parent}/weights/')
                    + "group_distance = 0.3\ngroup_join_distance = 0.2\n")
    own = rule_of(Settings(_env_file=None, embedder=str(card), detector="yunet"))  # type: ignore[call-arg]
    assert (own.max_distance, own.join_distance) == (0.3, 0.2)
    tighter = rule_of(Settings(_env_file=None, embedder=str(card), detector="yunet", group_distance=0.15))  # type: ignore[call-arg]
    assert (tighter.max_distance, tighter.join_distance) == (0.15, 0.15)
    default = rule_of(Settings(_env_file=None, embedder="fusion", detector="yunet"))  # type: ignore[call-arg]
    assert (default.max_distance, default.join_distance) == (0.12, 0.10)
