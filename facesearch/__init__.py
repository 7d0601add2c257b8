"""facesearch: find who is in a photo, from people enrolled as folders of photos, with Weaviate.

The package follows the data's path:

    photo -> face (facesearch.face) -> vector (facesearch.vectorizer) -> Weaviate (facesearch.store)
          -> import (facesearch.importer) / search (facesearch.search) -> API (facesearch.api) -> page
"""

import warnings

import authlib.deprecate  # noqa: F401 - on import it puts an "always" filter first for its own warnings

# weaviate-client's auth dependency (authlib) warns about its own httpx module; not ours to fix.
warnings.filterwarnings("ignore", message="The httpx module is deprecated")

WEAVIATE_VERSION = "1.35.2"
"""The one Weaviate version used everywhere: local mode, docker-compose.yml and the tests."""
