"""The photo library: "where else does this face appear?"

A library is a folder of ordinary photos. `scan.py` reads a folder and plans what changed since it was
indexed; indexing it (`index.py`) makes every face of every photo a
Weaviate object in the LibraryFace collection, vectorized by the same face vectorizer as the people,
so one vector space serves both questions; LibraryPhoto keeps one record per photo (what was indexed,
its size and hash, why it was skipped), and a mark for an indexed folder that holds none. Finding (`find.py`) is Weaviate's nearImage with a similarity
floor and a folder filter. Tagging (`tag.py`) names library faces after enrolled people with the app's
known/unknown rule (facesearch.people.decide). `jobs.py` runs indexing and re-tagging in the API's
background, one at a time; `root.py` holds the rules of the library root (nothing the API indexes or
serves leaves it). The folder watcher follows the indexed folders on disk: `watch.py` turns what changes under
the root into reports (its process is `facesearch watch`), `changes.py` turns a report into work for each
indexed folder, which `jobs.py` runs (`index.index_paths`: only the paths that changed). The collections
themselves are `facesearch.store.library`.

Similarity is Weaviate's certainty, (1 + cosine similarity) / 2, from 0 to 1.
"""
