"""`python -m facesearch stack start|stop|status`: local mode's processes from a terminal."""

from __future__ import annotations

from facesearch.errors import NotReady
from facesearch.local.stack import LocalStack, node_lines, status_lines
from facesearch.settings import Settings, get_settings


def run_stack(args) -> int:  # noqa: ANN001 - argparse.Namespace
    """Start, stop or show the local stack."""
    settings = get_settings()
    stack = LocalStack(settings)
    if args.action == "start":
        if settings.weaviate_nodes > 1:
            print(f"Weaviate: a cluster of {settings.weaviate_nodes} nodes on this machine")
            print("\n".join(f"  {line}" for line in node_lines(settings)))
        stack.start()
    elif args.action == "stop":
        if not stack.stop():
            print("Nothing was running.")
    else:
        rows = stack.status()
        print("\n".join(status_lines(rows, stack.state)))
        if rows:
            print("\n".join(cluster_lines(settings)))
    return 0


def cluster_lines(settings: Settings) -> list[str]:
    """The Weaviate nodes, each in the cluster or not with its objects; or why that is not known."""
    from facesearch.store import cluster

    try:
        return cluster.status_lines(cluster.status(settings))
    except NotReady as e:
        return [f"Weaviate nodes: unknown. {e}"]
