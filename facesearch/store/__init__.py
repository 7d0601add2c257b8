"""Everything that talks to Weaviate, one module per job; no other part of facesearch imports `weaviate`.

    connection   connect to the first ready node, and the API's one long-lived connection (`Connection`)
    refusals     what Weaviate's errors mean: the face vectorizer's refusals, an unreachable node
    writes       batch writes, and the repair of vectors Weaviate 1.35 can lose to a crash
    space        the vector space a face collection records, and creating face collections
    replication  how collections spread over a cluster, and the consistency of reads and writes
    people       the enrolled people's faces (FaceRecognition): schema, queries, changes
    library      the photo library (LibraryFace, LibraryPhoto): schema, queries, changes
    cluster      which nodes are in the cluster, and the objects each holds
    backup       backups and restores through Weaviate's backup modules (a folder, S3, GCS, Azure)
    reindex      every stored face vectorized again after the face model changed
    transfer     the collections `export` reads and `import-data` writes, object by object, vectors included
"""

import warnings

import authlib.deprecate  # noqa: F401 - on import it puts an "always" filter first for its own warnings

# weaviate-client's auth dependency (authlib) warns about its own httpx module while weaviate is imported; not ours.
warnings.filterwarnings("ignore", message="The httpx module is deprecated")

import weaviate  # noqa: E402, F401 - then it puts a "default" filter first (simplefilter), over the process's own

# The client's notices of its own deprecations (Dep030: async_enabled, which Weaviate 1.35 still needs).
warnings.filterwarnings("ignore", category=DeprecationWarning, module="weaviate")
