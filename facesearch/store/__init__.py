"""Everything that talks to Weaviate, one module per job; no other part of facesearch imports `weaviate`.

    connection   connect to the first ready node, and the API's one long-lived connection (`Connection`)
    refusals     what Weaviate's errors mean: the face vectorizer's refusals, an unreachable node
    writes       batch writes, and the repair of vectors Weaviate 1.35 can lose to a crash
    space        the vector space a face collection records, and creating face collections
    replication  how collections spread over a cluster, and the consistency of reads and writes
    people       the enrolled people's faces (FaceRecognition): schema, queries, changes
    library      the photo library (LibraryFace, LibraryPhoto): schema, queries, changes
    cluster      which nodes are in the cluster, and the objects each holds
    backup       backups and restores through Weaviate's backup-filesystem module
    reindex      every stored face vectorized again after the face model changed
"""

import warnings

import authlib.deprecate  # noqa: F401 - on import it puts an "always" filter first for its own warnings

# weaviate-client's auth dependency (authlib) warns about its own httpx module; not ours to fix.
warnings.filterwarnings("ignore", message="The httpx module is deprecated")
