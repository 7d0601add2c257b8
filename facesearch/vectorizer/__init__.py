"""The face vectorizer: a service that speaks Weaviate's img2vec-neural inference API.

    GET  /.well-known/live, /.well-known/ready
    POST /vectors  {"id": str, "image": base64}  ->  {"id": str, "vector": [128 floats], "dim": 128}

It finds the largest face, aligns it and returns its identity vector, so Weaviate's `nearImage`
is a face search. Failures answer a non-2xx status with {"error": sentence}, which Weaviate passes on.
"""
