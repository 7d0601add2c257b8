"""The importer: folders of photos on disk -> one Weaviate object per enrolled face.

`images/<person_id>/` holds a person's photos and an optional `name.txt`. Disk is the truth:
a re-import adds new photos, replaces changed ones and deletes those gone from disk.
"""

from facesearch.importer.scan import Person, Photo, scan_images
from facesearch.importer.sync import ImportReport, import_people

__all__ = ["ImportReport", "Person", "Photo", "import_people", "scan_images"]
