"""The vector space a face collection records, and making face collections.

A face collection records in its Weaviate description the vector space its vectors are in (the
vectorizer's detector, embedder and mirroring), and is used only while the vectorizer still makes
that space: vectors of two face models are never mixed in one collection (see `store.reindex`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import weaviate
from weaviate.classes.config import Configure, Property, VectorDistances
from weaviate.collections import Collection

from facesearch.errors import NotReady, WrongSpace
from facesearch.settings import Settings
from facesearch.store.replication import Replication

HNSW_EF = 64
"""Candidates HNSW keeps while searching; see README, Benchmarks, Scale."""


@dataclass(frozen=True)
class SpaceRecord:
    """What a face collection's Weaviate description records: the vector space of its vectors, and
    whether it is complete (False only for a reindex copy still being filled, see store.reindex)."""

    space: str | None
    """None: the collection records no space (it was made by a facesearch before spaces were recorded)."""
    complete: bool = True

    _PATTERN = re.compile(r"facesearch faces( \(copy being filled\))?; vector space: (.+)", re.DOTALL)

    def describe(self) -> str:
        """The collection description, e.g. "facesearch faces; vector space: yunet/fusion(...)/mirror"."""
        return f"facesearch faces{'' if self.complete else ' (copy being filled)'}; vector space: {self.space}"

    @classmethod
    def parse(cls, description: str | None) -> SpaceRecord:
        match = cls._PATTERN.fullmatch(description or "")
        return cls(match.group(2), match.group(1) is None) if match else cls(None)


UNNAMED_SPACE = "unnamed"
"""The space of a vectorizer whose GET /meta names no model (Weaviate's own img2vec containers)."""


def vector_space(settings: Settings) -> str:
    """The vector space the face vectorizer Weaviate calls makes: the "model" of its GET /meta.

    Asked of the vectorizer itself, at the address Weaviate uses: Weaviate 1.35's img2vec-neural module
    does not pass the vectorizer's /meta on in its own (its entry in GET /v1/meta is empty).
    """
    url = settings.image_inference_api
    try:
        response = httpx.get(f"{url}/meta", timeout=10)
    except httpx.HTTPError as e:
        raise NotReady(f"The face vectorizer is not reachable at {url}.") from e
    if response.status_code == 404:
        return UNNAMED_SPACE
    if not response.is_success:
        raise NotReady(f"The face vectorizer at {url} answered GET /meta with status {response.status_code}.")
    try:
        meta = response.json()
    except ValueError:
        meta = None
    model = meta.get("model") if isinstance(meta, dict) else None
    return model if isinstance(model, str) and model else UNNAMED_SPACE


REINDEX_SUFFIX = "_Reindex"


def reindex_name(name: str) -> str:
    """The collection a reindex of collection `name` fills, then copies back (store.reindex)."""
    return f"{name}{REINDEX_SUFFIX}"


REINDEX_COMMAND = "python -m facesearch reindex"


def recorded_space(client: weaviate.WeaviateClient, name: str) -> SpaceRecord:
    """The space an existing collection records."""
    return SpaceRecord.parse(client.collections.export_config(name).description)


def check_space(client: weaviate.WeaviateClient, name: str, space: str) -> None:
    """WrongSpace unless collection `name` is missing or holds vectors of `space`, with no reindex under way."""
    if client.collections.exists(reindex_name(name)):
        raise WrongSpace(
            f"The collection {name} is being reindexed and is not complete: with the stack running, run "
            f"`{REINDEX_COMMAND}` to finish it."
        )
    if not client.collections.exists(name):
        return
    held = recorded_space(client, name).space
    if held != space:
        holds = (f"vectors of the space {held}" if held
                 else "vectors of a space it does not record (it was made by an older facesearch)")
        raise WrongSpace(
            f"The collection {name} holds {holds}, but the face vectorizer is configured for {space}: with the "
            f"stack running, run `{REINDEX_COMMAND}` to vectorize its faces again with the configured model."
        )


def face_collection(
    client: weaviate.WeaviateClient, name: str, space: str, properties: list[Property],
    replication: Replication = Replication(),
) -> Collection:
    """A collection of faces vectorized by the face vectorizer (cosine HNSW), created on first use recording
    `space` (spread as `replication` says); WrongSpace when it holds vectors of another space (see
    `check_space`). The handle writes, and reads, at `replication.write`'s consistency level."""
    check_space(client, name, space)
    if not client.collections.exists(name):
        client.collections.create(
            name,
            description=SpaceRecord(space).describe(),
            **replication.create_options(),
            vector_config=Configure.Vectors.img2vec_neural(
                image_fields=["image"],
                # ef 64: at 1M faces recall@1 0.998 in 7.7 ms p50, where Weaviate's dynamic ef (100 for
                # the 10 candidates a search asks) gives the same recall in 10.9 ms (bench/scale.py).
                vector_index_config=Configure.VectorIndex.hnsw(distance_metric=VectorDistances.COSINE, ef=HNSW_EF),
            ),
            properties=properties,
        )
    return replication.writing(client.collections.get(name))
