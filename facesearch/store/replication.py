"""How a collection spreads over the cluster, and how many copies of an object must answer a read or a write."""

from __future__ import annotations

from dataclasses import dataclass

from weaviate.classes.config import ConsistencyLevel, Configure, ReplicationDeletionStrategy
from weaviate.collections import Collection

from facesearch.settings import Settings


@dataclass(frozen=True)
class Replication:
    """How a collection is spread over the cluster (set when it is created) and how many of an object's
    copies must answer: `write` for imports, indexing, tags and removals, `read` for every other read."""

    factor: int = 1
    shards: int = 1
    write: str = "QUORUM"
    read: str = "QUORUM"

    @classmethod
    def of(cls, settings: Settings) -> Replication:
        return cls(settings.replication_factor or 1, settings.shards, settings.write_consistency, settings.read_consistency)

    def create_options(self) -> dict[str, object]:
        """`collections.create` arguments: the factor, with asynchronous replication (a node that was down
        catches up by itself) and the newest of a change and a removal winning; the shards."""
        return {
            "replication_config": Configure.replication(
                factor=self.factor,
                async_enabled=self.factor > 1,
                deletion_strategy=ReplicationDeletionStrategy.TIME_BASED_RESOLUTION,
            ),
            "sharding_config": Configure.sharding(desired_count=self.shards),
        }

    def writing(self, collection: Collection) -> Collection:
        return collection.with_consistency_level(ConsistencyLevel[self.write])

    def reading(self, collection: Collection) -> Collection:
        return collection.with_consistency_level(ConsistencyLevel[self.read])
