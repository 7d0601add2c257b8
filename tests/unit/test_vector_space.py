"""A face collection's recorded vector space (its Weaviate description), and the reindex summary line."""

from __future__ import annotations

import pytest
from weaviate.exceptions import WeaviateConnectionError, WeaviateQueryError, WeaviateRetryError

from facesearch.store.refusals import unreachable
from facesearch.store.reindex import CollectionReport, summary
from facesearch.store.space import SpaceRecord

SPACE = "yunet/fusion(dlib_resnet@ceb6f1c9*0.6,mobileface_v2@6f203c89*0.4)/mirror"


def test_a_space_is_recorded_in_a_readable_description() -> None:
    assert SpaceRecord(SPACE).describe() == f"facesearch faces; vector space: {SPACE}"


@pytest.mark.parametrize("space", [SPACE, "hog/dlib_resnet(dlib_resnet@ceb6f1c9*1)", "a; b: (copy being filled)"])
@pytest.mark.parametrize("complete", [True, False])
def test_description_round_trips(space: str, complete: bool) -> None:
    assert SpaceRecord.parse(SpaceRecord(space, complete).describe()) == SpaceRecord(space, complete)


@pytest.mark.parametrize("description", [None, "", "hello", "vector space: x", "facesearch faces; vector space: "])
def test_a_description_without_a_space_records_none(description: str | None) -> None:
    assert SpaceRecord.parse(description) == SpaceRecord(None)


def test_a_copy_being_filled_is_not_complete() -> None:
    record = SpaceRecord.parse(f"facesearch faces (copy being filled); vector space: {SPACE}")
    assert record == SpaceRecord(SPACE, complete=False)


def query_error_after_retries() -> WeaviateQueryError:
    """As the client raises it when gRPC found no server: while handling its WeaviateRetryError."""
    try:
        try:
            raise WeaviateRetryError("UNAVAILABLE", 5)
        except WeaviateRetryError as e:
            raise WeaviateQueryError(str(e), "GRPC search")  # noqa: B904 - as the client does
    except WeaviateQueryError as e:
        return e


def test_weaviate_out_of_reach_is_told_from_a_refusal() -> None:
    assert unreachable(query_error_after_retries())
    assert unreachable(WeaviateConnectionError("Object was not added"))
    assert not unreachable(WeaviateQueryError("fail with status 422", "GRPC search"))


def test_summary_when_nothing_exists_or_is_to_do() -> None:
    missing = [CollectionReport("FaceRecognition", exists=False), CollectionReport("LibraryFace", exists=False)]
    assert summary(SPACE, missing).startswith("No face collection exists yet: nothing to reindex")
    done = [CollectionReport("FaceRecognition", faces=8), CollectionReport("LibraryFace", faces=3)]
    assert summary(SPACE, done) == f"FaceRecognition and LibraryFace already hold faces of {SPACE}: nothing to reindex."


def test_summary_counts_faces_and_those_left_out() -> None:
    reports = [
        CollectionReport("FaceRecognition", reindexed=True, faces=8, left_out=[("ghost/blank.jpg", "no face")]),
        CollectionReport("LibraryFace", exists=False),
    ]
    line = summary(SPACE, reports)
    assert line.startswith(f"reindexed into {SPACE}: FaceRecognition 8 faces; 1 left out (listed above)")
    assert "photo files are untouched" in line
