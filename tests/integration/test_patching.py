"""store.patching on the real Weaviate: a PATCH sets the properties named and leaves the others (the vector too);
a refusal and an unreachable node are sentences. Uses its own collections."""

from __future__ import annotations

import socket
import uuid

import numpy as np
import pytest

from facesearch.errors import FaceSearchError, NotReady
from facesearch.store import groups
from facesearch.store.patching import Patcher
from facesearch.store.writes import VECTOR, vector_of
from facesearch.testing import private_library
from tests.conftest import Stack


def test_patch_sets_only_the_properties_named(stack: Stack) -> None:
    with private_library(stack.settings, "Patch") as (settings, _, library):
        vector = np.random.default_rng(3).standard_normal(library_dim(stack)).astype(np.float32)
        vector /= np.linalg.norm(vector)
        ids = [str(uuid.uuid4()) for _ in range(20)]
        for k, face_id in enumerate(ids):
            library.faces.data.insert(properties={"path": f"{k}.jpg", "group_id": "", "box": [0, 0, 50, 50]},
                                      uuid=face_id, vector={VECTOR: vector.tolist()})
        assert library.patcher is not None
        groups.set_faces(library, {face_id: {"group_id": f"g{k % 3}", "group_fixed": True} for k, face_id in enumerate(ids)})
        for k, face_id in enumerate(ids):
            found = library.faces.query.fetch_object_by_id(face_id, include_vector=True)
            assert found.properties["group_id"] == f"g{k % 3}" and found.properties["group_fixed"] is True
            assert found.properties["path"] == f"{k}.jpg" and found.properties["box"] == [0, 0, 50, 50]
            assert np.allclose(vector_of(found), vector, atol=1e-6)
        with pytest.raises(FaceSearchError, match=r"\(404\)"):
            library.patcher.patch(library.faces.name, str(uuid.uuid4()), {"group_id": "g0"})
        with pytest.raises(FaceSearchError, match=r"\(422\)"):
            library.patcher.patch(library.faces.name, ids[0], {"group_fixed": "not a bool"})


def test_a_node_that_does_not_answer_is_not_ready(stack: Stack) -> None:
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]  # nothing listens on it once closed
    gone = stack.settings.model_copy(update={"weaviate_hosts": ["127.0.0.1"], "weaviate_port": port})
    with pytest.raises(NotReady, match="not reachable"):
        Patcher(gone, "ONE").patch("LibraryFace", str(uuid.uuid4()), {"group_id": ""})


def library_dim(stack: Stack) -> int:
    """The vector length of the stack's face model."""
    from facesearch.face.embed import load_embedder

    return load_embedder(stack.settings.embedder).dim
