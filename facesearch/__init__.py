"""facesearch: find who is in a photo, and where else a face appears, with Weaviate.

The package follows the data's path:

    photo -> face (facesearch.face) -> vector (facesearch.vectorizer) -> Weaviate (facesearch.store)
          -> people (facesearch.people) / library (facesearch.library) -> API (facesearch.api) / CLI (facesearch.cli)
          -> page (frontend/)

and local mode's processes apart (facesearch.local). `settings.py` (the one settings object), `errors.py`
(the one error shape) and `http.py` (that shape for the two web services) serve every room.
"""

WEAVIATE_VERSION = "1.35.2"
"""The one Weaviate version used everywhere: local mode, docker-compose.yml and the tests."""
