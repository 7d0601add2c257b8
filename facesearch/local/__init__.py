"""Local mode: Weaviate (one node or a cluster), the face vectorizer and the API as processes on this machine.

`stack.py` says which processes and ports, starts and stops them; `supervision.py` is the supervisord
that runs them and restarts one that dies; `launch.py` is how supervisord starts each one.
"""
