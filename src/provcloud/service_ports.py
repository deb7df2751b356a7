"""The ports the province's common services listen on: one place for the platform program (tenant
egress), the inventory (firewall rules, role inputs) and the roles' callers."""

from urllib.parse import SplitResult

LGSP_PORT = 443
"""The LGSP node's HTTPS gateway port: the one place a tenant may call outside its namespace."""
DOCSYSTEM_PORT = 443
"""The document system's HTTPS port (nginx in front of the application)."""
POSTGRESQL_PORT = 5432
"""The PostgreSQL server of the document system's database machine."""


def url_port(url: SplitResult) -> int:
    """The port a URL names, or its scheme's default (https 443, http 80)."""
    return url.port or (443 if url.scheme == "https" else 80)


EXCHANGE_PORT = 8480
"""The document exchange nodes' port (mutual TLS between the provinces' LGSP nodes and the national peer)."""
