"""The command line, `python -m facesearch <command>`: `main.py` builds the parser and turns errors into
sentences; each command group has its module (people, find, library, maintenance, transfer, keys, stack),
imported only when one of its commands runs, so that `--help` and a mistyped command answer at once."""
