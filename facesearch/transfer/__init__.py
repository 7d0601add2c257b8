"""Moving the data of one install into another: `export` writes a file, `import-data` reads it.

    exportfile  the file: a gzip'd stream of JSON lines, a header, an object a line, a checksummed trailer
    exporting   an install's people and library into that file (`export FILE`), going on after a stop
    importing   that file into an install (`import-data FILE`), checked before anything is written, verified after
    roots       library folders moved to another place (`--library-root OLD=NEW`), and the ids derived from them

Weaviate is used through `store.transfer` only. Unlike a backup (`store.backup`), the file does not depend on
Weaviate's node names, the number of nodes, or Docker or local mode, and library folders can move.
"""
