"""The demo's document-system callers: each agency that consumes its province's document system and
has a source address to call from, with the client its system uses — through the province's LGSP
node, with the agency's certificate, gateway token and document-system token (the demo's document
and exchange steps)."""

from contextlib import AbstractContextManager
from dataclasses import dataclass

from provcloud.catalogue import Agency, Province
from provcloud.catalogue.agency import SharedService
from provcloud.controller_state import state_dir
from provcloud.docsystem_client import SERVICE, AgencyClient, DocsystemState, docsystem_state
from provcloud.errors import UserError
from provcloud.gateway import consumer_credentials, lgsp_node
from provcloud.lab.tenant_client import source_address, tenant_address


@dataclass(frozen=True)
class DocsystemCaller:
    province: Province
    agency: Agency
    service: SharedService
    docsystem: DocsystemState
    client: AgencyClient

    @property
    def objects(self) -> dict[str, int]:
        """The agency's objects in the document system (cabinet, document type; the docsystem role's record)."""
        return self.docsystem.agencies[self.agency.slug]

    def calling(self) -> AbstractContextManager[object]:
        """The agency's source address on this host while its system calls (the lab's tenant egress)."""
        return tenant_address(self.province, source_address(self.agency))


def docsystem_callers(province: Province) -> list[DocsystemCaller]:
    """In the order of the document system's consumers; UserError when the catalogue publishes no
    document system or none of its consumers has a source address."""
    published = [service for agency in province.agencies for service in agency.services if service.name == SERVICE]
    if not published:
        raise UserError(f"province {province.slug} publishes no `{SERVICE}` service through its LGSP node")
    service = published[0]
    by_slug = province.agencies_by_slug
    agencies = [by_slug[slug] for slug in service.consumers if slug in by_slug and by_slug[slug].source_addresses]
    if not agencies:
        raise UserError(f"no consumer of `{SERVICE}` in {province.slug} has source_addresses to call from")
    state = state_dir(province.slug)
    docsystem = docsystem_state(state)
    node = lgsp_node(province).ip
    return [
        DocsystemCaller(
            province,
            agency,
            service,
            docsystem,
            AgencyClient(
                node=node,
                service_path=service.path,
                credentials=consumer_credentials(state, agency.slug),
                docsystem_token=docsystem.token(agency.slug),
                source=source_address(agency),
            ),
        )
        for agency in agencies
    ]
