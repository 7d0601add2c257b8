"""The people: "who is in this photo?" against people enrolled as folders of photos.

`images/<person_id>/` holds a person's photos and an optional `name.txt`; disk is the truth. `scan.py`
reads those folders, `prepare.py` finds the one face of each photo to enrol, `sync.py` makes Weaviate
match the folders (adds new photos, replaces changed ones, deletes those gone from disk), `enroll.py`
changes the folders for the API first, `search.py` answers who is in a photo, and `decide.py` is the
known-or-unknown rule.
"""
