"""The face vectorizer: a service that speaks Weaviate's img2vec-neural inference API.

    GET  /.well-known/live, /.well-known/ready
    GET  /meta     {"model": the vector space's name, "dim": int, "mirror": bool}
    POST /vectors  {"id": str, "image": base64}  ->  {"id": str, "vector": [dim floats], "dim": dim}

It finds the largest face, aligns it and returns its identity vector, so Weaviate's `nearImage`
is a face search. A canonical crop (facesearch.face.models) is checked with one small detection
instead of being searched again. Failures answer a non-2xx status with {"error": sentence, "code": code}, of
which Weaviate passes on the status. Work is bounded per process: a body over FACESEARCH_VECTORIZER_MAX_BODY_MB is
refused (413), and past FACESEARCH_VECTORIZER_CONCURRENCY requests computing and FACESEARCH_VECTORIZER_QUEUE
waiting, a request is refused at once (503 `busy`).
"""
