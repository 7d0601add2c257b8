"""The export file: what `export` writes and `import-data` reads, one gzip'd stream of JSON lines.

    first line  {"format": "facesearch-export", "version": 1, "space": <vector space>, "created_at": <RFC 3339>,
                 "library_root": <the source's library root>, "collections": {kind: name},
                 "counts": {kind: objects}}            the counts Weaviate gave when the export started
    then        {"kind": "person-face" | "library-photo" | "library-face", "id": <uuid>,
                 "properties": {...}, "vector": <base64> | null}     one line per object, kinds in that order
    last line   {"trailer": {"counts": {kind: objects}, "sha256": <hex>}}   the lines above it, counted and hashed

Properties are as Weaviate holds them (a face's crop is the base64 text of its `image` blob). A vector is the
base64 of its little-endian float32 values: exactly what Weaviate holds (it keeps float32), in a quarter of the
room decimal text takes. The sha256 covers every byte of every line before the trailer, newlines included, so a
file cut short (no trailer) or changed (another sum) is refused before anything is written. The kinds are every
collection facesearch keeps; a new kind makes a new VERSION, so that a facesearch that does not know it refuses the
file by its first line, not half-way through. Version 2 added the library's groups of faces (`library-group`, the
people in the photos, with their names and corrections); a version 1 file (without them) is read as it is.

The gzip stream is a series of members of SEGMENT lines each. An export writes FILE.partial and renames it FILE
only once the trailer is written; if it stops (Ctrl-C, a crash, a full disk), the complete members of FILE.partial
are kept and the next export goes on after its last object (`resume`).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import uuid
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from facesearch.errors import BadRequest
from facesearch.store.transfer import KINDS
from facesearch.store.writes import VECTOR, NewObject

FORMAT = "facesearch-export"
VERSION = 2
READS = (1, 2)
"""The versions this facesearch reads."""

SEGMENT = 500
"""Lines per gzip member: what an export that stopped can lose, and what resuming it reads at once (~13 MB)."""

LEVEL = 1
"""gzip's compression level. A line is mostly base64 text of a JPEG crop and of float32 values, which every level
shrinks by about a quarter (base64 holds 6 bits a byte) and none much more: level 1 made files 2 % larger than
Python's default 9 and compressed about 10 % faster (some 35 MB of lines a second on one of this machine's cores)."""

MAX_LINE = 64 << 20
"""The longest line read (bytes): a face's line is about 27 KB; anything longer is not an export's."""

READ_BLOCK = 1 << 20
"""Bytes read at a time when looking for the complete members of a partial export."""


def partial_path(path: Path) -> Path:
    """Where an export of `path` is written until it is complete."""
    return path.with_name(path.name + ".partial")


@dataclass(frozen=True)
class Header:
    """The first line: the vector space of every vector in the file, when and from where it was made."""

    space: str
    library_root: str
    collections: dict[str, str]
    """kind -> the collection it was read from (for the reader's information)."""
    counts: dict[str, int]
    """kind -> objects Weaviate held when the export started (the trailer counts what the file holds)."""
    created_at: str
    """RFC 3339, UTC."""

    def line(self) -> bytes:
        return json_line({"format": FORMAT, "version": VERSION, "space": self.space, "created_at": self.created_at,
                          "library_root": self.library_root, "collections": self.collections, "counts": self.counts})


@dataclass(frozen=True)
class Entry:
    """One object of the file: its kind (one of KINDS) and the object as it is written into Weaviate."""

    kind: str
    obj: NewObject


def json_line(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode() + b"\n"


def encode_vector(vector: Sequence[float]) -> str:
    """base64 of the vector's little-endian float32 values."""
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode()


def decode_vector(text: str) -> list[float]:
    return np.frombuffer(base64.b64decode(text, validate=True), dtype="<f4").tolist()


def entry_line(entry: Entry) -> bytes:
    vector = entry.obj.vector
    return json_line({"kind": entry.kind, "id": entry.obj.id, "properties": dict(entry.obj.properties),
                      "vector": encode_vector(vector[VECTOR]) if vector else None})


def trailer_line(counts: dict[str, int], digest: str) -> bytes:
    return json_line({"trailer": {"counts": counts, "sha256": digest}})


# Writing -------------------------------------------------------------------------------------------------------


@dataclass
class Resumed:
    """What a partial export holds: its header, objects per kind, its last object (kind, id), the sha256 of its
    lines so far, and the bytes of its complete members (where writing goes on)."""

    header: Header
    counts: dict[str, int]
    last: tuple[str, str] | None
    digest: Any  # hashlib's sha256 object
    size: int


class ExportWriter:
    """Writes an export to FILE.partial, a gzip member every SEGMENT lines; `finish` adds the trailer and renames
    it FILE. Leaving its `with` block without `finish` (an error, Ctrl-C) ends the member under way, so that every
    line written is kept for the next export to go on from."""

    def __init__(self, path: Path, header: Header, resumed: Resumed | None = None) -> None:
        self.path, self.header = path, header
        self.partial = partial_path(path)
        self.counts = dict(resumed.counts) if resumed else {kind: 0 for kind in KINDS}
        self._digest = resumed.digest if resumed else hashlib.sha256()
        self._raw: BinaryIO = open(self.partial, "r+b" if resumed else "wb")  # noqa: SIM115 - closed in close()
        if resumed:
            self._raw.truncate(resumed.size)
            self._raw.seek(resumed.size)
        self._member: gzip.GzipFile | None = None
        self._lines = 0
        if not resumed:
            self._write(header.line())

    def __enter__(self) -> ExportWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, entry: Entry) -> None:
        """One more object (kinds in the order of KINDS)."""
        self._write(entry_line(entry))
        self.counts[entry.kind] += 1

    def _write(self, line: bytes) -> None:
        if self._member is None:
            self._member = gzip.GzipFile(fileobj=self._raw, mode="wb", compresslevel=LEVEL, mtime=0)
        self._member.write(line)
        self._digest.update(line)
        self._lines += 1
        if self._lines % SEGMENT == 0:
            self._end_member()

    def _end_member(self) -> None:
        if self._member is not None:
            self._member.close()  # writes the member's end, not the file's
            self._member = None
            self._raw.flush()

    def finish(self) -> None:
        """Add the trailer, make sure the file is on disk, and rename it FILE."""
        self._end_member()
        member = gzip.GzipFile(fileobj=self._raw, mode="wb", compresslevel=LEVEL, mtime=0)
        member.write(trailer_line(self.counts, self._digest.hexdigest()))
        member.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        os.replace(self.partial, self.path)

    def close(self) -> None:
        if not self._raw.closed:
            self._end_member()
            self._raw.close()


def resume(path: Path) -> Resumed | None:
    """What FILE.partial holds in its complete members, or None when there is no such file or no complete member
    with a header of this version: an export that stopped goes on from there."""
    partial = partial_path(path)
    if not partial.is_file():
        return None
    state: Resumed | None = None
    digest, counts, last, header = hashlib.sha256(), {kind: 0 for kind in KINDS}, None, None
    with open(partial, "rb") as raw:
        for end, data in complete_members(raw):
            for line in data.splitlines(keepends=True):
                value = parse_json(line)
                if value is None or "trailer" in value:
                    return state
                try:
                    if header is None:
                        header = parse_header(value, path)
                    else:
                        entry = parse_entry(value, path, 0)
                        counts[entry.kind] += 1
                        last = (entry.kind, entry.obj.id)
                except BadRequest:
                    return state
                digest.update(line)
            if header is not None:
                state = Resumed(header, dict(counts), last, digest.copy(), end)
    return state


def complete_members(raw: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Each complete gzip member of a file: the offset where it ends (bytes) and what it holds. Stops at the first
    member that is cut short or damaged."""
    decompressor, consumed, pending, out = zlib.decompressobj(wbits=31), 0, b"", []
    while True:
        block = pending or raw.read(READ_BLOCK)
        if not block:
            return
        consumed += len(block)
        try:
            out.append(decompressor.decompress(block))
        except zlib.error:
            return
        pending = b""
        if decompressor.eof:
            pending = decompressor.unused_data
            consumed -= len(pending)
            yield consumed, b"".join(out)
            decompressor, out = zlib.decompressobj(wbits=31), []


# Reading -------------------------------------------------------------------------------------------------------


def not_an_export(path: Path) -> BadRequest:
    return BadRequest(f"{path} is not a facesearch export (a file `python -m facesearch export` writes).")


def damaged(path: Path, why: str) -> BadRequest:
    return BadRequest(f"{path} is damaged ({why}): export it again.")


def parse_json(line: bytes) -> dict[str, Any] | None:
    """A line's JSON object, or None when the line is not one (or not whole)."""
    if not line.endswith(b"\n"):
        return None
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def parse_header(value: dict[str, Any], path: Path) -> Header:
    if value.get("format") != FORMAT:
        raise not_an_export(path)
    if value.get("version") not in READS:
        raise BadRequest(
            f"{path} is a facesearch export of version {value.get('version')}, and this facesearch reads versions "
            f"{' and '.join(map(str, READS))}: import it with the facesearch that made it, or a newer one."
        )
    try:
        return Header(str(value["space"]), str(value["library_root"]), dict(value["collections"]),
                      {k: int(v) for k, v in dict(value["counts"]).items()}, str(value["created_at"]))
    except (KeyError, TypeError, ValueError) as e:
        raise damaged(path, "its first line lacks what a header holds") from e


def parse_entry(value: dict[str, Any], path: Path, number: int) -> Entry:
    """The object of line `number` (from 1; 0 when unknown)."""
    at = f"line {number}" if number else "a line"
    try:
        kind, properties, vector = value["kind"], value["properties"], value["vector"]
        oid = str(uuid.UUID(value["id"]))
        ok = kind in KINDS and isinstance(properties, dict) and (vector is None or isinstance(vector, str))
        decoded = {VECTOR: decode_vector(vector)} if vector is not None else None
    except (KeyError, TypeError, ValueError) as e:
        raise damaged(path, f"{at} is not an object of an export") from e
    if not ok:
        raise damaged(path, f"{at} is not an object of an export")
    return Entry(kind, NewObject(oid, properties, decoded))


@dataclass
class Counted:
    """What a whole export holds: objects per kind, as its trailer says and its lines agree."""

    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class ExportReader:
    """Reads an export made by `ExportWriter`; the header at once (`header`), the objects as they come (`entries`),
    whose end checks the trailer. Every damage is a BadRequest with a sentence."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._open() as stream:
            first = self._line(stream, 1)
        value = parse_json(first) if first else None
        if value is None:
            raise not_an_export(path)
        self.header = parse_header(value, path)

    def _open(self) -> gzip.GzipFile:
        try:
            return gzip.open(self.path, "rb")  # type: ignore[return-value]
        except FileNotFoundError:
            raise
        except OSError as e:
            raise BadRequest(f"{self.path} could not be read ({e.strerror or e}).") from e

    def _line(self, stream: gzip.GzipFile, number: int) -> bytes:
        """The next line (b"" at the end); a sentence when the gzip stream is cut short, damaged or not gzip."""
        try:
            line = stream.readline(MAX_LINE)
        except EOFError as e:
            raise self._incomplete() from e
        except (gzip.BadGzipFile, zlib.error, OSError) as e:
            if not self._gzip():
                raise not_an_export(self.path) from e
            raise damaged(self.path, f"its compressed data is broken at line {number}") from e
        if len(line) >= MAX_LINE and not line.endswith(b"\n"):
            raise damaged(self.path, f"line {number} is longer than any line of an export")
        return line

    def _gzip(self) -> bool:
        """Whether the file starts as gzip data does."""
        with open(self.path, "rb") as raw:
            return raw.read(2) == b"\x1f\x8b"

    def _incomplete(self) -> BadRequest:
        return BadRequest(
            f"{self.path} is incomplete: it ends before its last line (it was cut short while being written or "
            "copied); export it again."
        )

    def entries(self) -> Iterator[Entry]:
        """Every object, in the file's order; at the end, a sentence if the trailer is missing or does not match
        the lines (their counts and their sha256). Sets `counted` once the whole file is read."""
        digest, counts = hashlib.sha256(), {kind: 0 for kind in KINDS}
        with self._open() as stream:
            header = self._line(stream, 1)
            digest.update(header)
            number = 1
            while line := self._line(stream, number + 1):
                number += 1
                value = parse_json(line)
                if value is None and not line.endswith(b"\n"):
                    raise self._incomplete()
                if value is None:
                    raise damaged(self.path, f"line {number} is not JSON")
                if "trailer" in value:
                    self._check_trailer(value["trailer"], counts, digest.hexdigest())
                    if self._line(stream, number + 1):
                        raise damaged(self.path, "it goes on after its last line")
                    self.counted = Counted(counts)
                    return
                entry = parse_entry(value, self.path, number)
                digest.update(line)
                counts[entry.kind] += 1
                yield entry
        raise self._incomplete()

    def _check_trailer(self, trailer: object, counts: dict[str, int], digest: str) -> None:
        if not isinstance(trailer, dict) or trailer.get("sha256") != digest:
            raise damaged(self.path, "its checksum does not match its contents")
        said = trailer.get("counts")
        if not isinstance(said, dict) or {k: said.get(k, 0) for k in KINDS} != counts:
            raise damaged(self.path, "its last line counts other objects than it holds")

    def check(self) -> Counted:
        """Read the whole file, and its trailer; what it holds (a sentence when it is damaged or incomplete)."""
        for _ in self.entries():
            pass
        return self.counted
