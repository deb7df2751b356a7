"""The agencies' document-system clients in the lab: each agency's system calls the document
system through the LGSP node with its certificate, its gateway token and its document-system token,
from its tenant's address (the fixtures `tenants` and `docsystem` are in conftest.py)."""

from lab.conftest import Lab
from lab.gateway_calls import Consumer, node_address
from provcloud.docsystem_client import SERVICE, AgencyClient, DocsystemState


def service_path(lab: Lab) -> str:
    services = [service for agency in lab.province.agencies for service in agency.services if service.name == SERVICE]
    assert services, f"the catalogue publishes no `{SERVICE}` service"
    return services[0].path


def client(lab: Lab, consumer: Consumer, docsystem_token: str | None) -> AgencyClient:
    return AgencyClient(
        node=node_address(lab),
        service_path=service_path(lab),
        credentials=consumer.credentials,
        docsystem_token=docsystem_token,
        source=consumer.source,
    )


def agency_client(lab: Lab, tenants: dict[str, Consumer], docsystem: DocsystemState, slug: str) -> AgencyClient:
    return client(lab, tenants[slug], docsystem.token(slug))
