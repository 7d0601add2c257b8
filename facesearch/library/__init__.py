"""The photo library: "where else does this face appear?"

A library is a folder of ordinary photos. Indexing it (`index.py`) makes every face of every photo a
Weaviate object in the LibraryFace collection, vectorized by the same face vectorizer as the people,
so one vector space serves both questions; LibraryPhoto keeps one record per photo (what was indexed,
its size and hash, why it was skipped). Finding (`find.py`) is Weaviate's nearImage with a similarity
floor and a folder filter. Tagging (`tag.py`) names library faces after enrolled people with the app's
known/unknown rule (facesearch.decide).

Similarity is Weaviate's certainty, (1 + cosine similarity) / 2, from 0 to 1.
"""
