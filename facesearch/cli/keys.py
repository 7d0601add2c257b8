"""`facesearch keys create|list|revoke`: the API's keys from the command line (see facesearch.api.keys)."""

from __future__ import annotations

import argparse

from facesearch.api import keys
from facesearch.errors import BadRequest, NotFound
from facesearch.settings import Settings, get_settings

MAKE = "python -m facesearch keys create"


def checked_name(name: str) -> str:
    """A key's name: at most 100 printable characters (it is shown in `keys list`)."""
    name = name.strip()
    if len(name) > 100 or not name.isprintable():
        raise BadRequest("A key's name must be at most 100 printable characters.")
    return name


def create(settings: Settings, args: argparse.Namespace) -> int:
    """Make a key and print it once; with --if-none, only when no key with these rights exists yet (but the keys
    programs keep for themselves, keys.OWN_KEYS)."""
    rights: keys.Right = "read" if args.read_only else "write"
    held = [k for k in keys.load(settings.api_keys_file) if k.rights == rights and k.name not in keys.OWN_KEYS]
    if args.if_none and held:
        return 0
    record, key = keys.create(settings, checked_name(args.name or ""), rights)
    print(key)
    label = f'"{record.name}", ' if record.name else ""
    print(f"This is API key {record.id} ({label}{rights} rights). It is shown only now: keep it somewhere safe; "
          f"{settings.api_keys_file} holds only its SHA-256.")
    return 0


def show(settings: Settings) -> int:
    """Every key's id, rights, creation time and name; never a hash."""
    stored = keys.load(settings.api_keys_file)
    if not stored:
        print(f"There are no API keys yet; make one with `{MAKE}`.")
        return 0
    print(f"{'id':<10}{'rights':<8}{'created':<27}name")
    for k in stored:
        print(f"{k.id:<10}{k.rights:<8}{k.created:<27}{k.name}")
    return 0


def revoke(settings: Settings, id_or_name: str) -> int:
    """Remove the keys with this id or name; NotFound (a sentence) when none has it."""
    if not id_or_name.strip():
        raise BadRequest("Name the key to revoke by its id or its name (see `python -m facesearch keys list`).")
    gone = keys.revoke(settings, id_or_name)
    if not gone:
        raise NotFound(f"No API key has the id or name '{id_or_name}'; `python -m facesearch keys list` shows them.")
    for k in gone:
        print(f"Revoked API key {k.id}" + (f" ({k.name})" if k.name else "") + "; the API refuses it from now on.")
    return 0


def run_keys(args: argparse.Namespace) -> int:
    """`keys create|list|revoke`."""
    settings = get_settings()
    if args.action == "create":
        return create(settings, args)
    if args.action == "list":
        return show(settings)
    return revoke(settings, args.key)
