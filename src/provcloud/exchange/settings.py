"""An exchange node's settings file (YAML), as the exchange role writes it and an operator reads it.

    node: lgsp-01.demo                 # the name in the message log
    listen: 0.0.0.0:8480               # address:port the node answers on
    endpoint: https://lgsp-01.demo.provcloud.test:8480   # this node, as the others reach it
    state_dir: /var/lib/provcloud-exchange               # queue, receipts, message log
    trust: [/etc/provcloud-exchange/trust/h01.crt]       # CAs whose agencies' signatures are accepted
    tls:                               # mutual TLS between nodes (omitted: plain HTTP, tests only)
      certificate: /etc/provcloud/pki/exchange.crt
      private_key: /etc/provcloud/pki/private/exchange.key
      client_ca: /etc/provcloud/pki/national-ca.crt      # who may call this node
      server_ca: /etc/provcloud/pki/national-ca.crt      # whom this node calls
    province:                          # a province's node (absent on the national peer)
      code: H01
      national: https://ndxp.demo.provcloud.test:8480
      place: Đà Nẵng                   # PromulgationInfo/Place of what its agencies send
      poll_seconds: 10
      docsystem: {url: https://docs.demo.provcloud.test, token_file: ..., ca: ...}
      agencies:
        - {organ_id: 000.01.00.H01, name: Văn phòng UBND, key: ..., certificate: ...}
    routing_table: /etc/provcloud-exchange/routing.yml  # the national peer's (routing.py)

Every mistake is reported with the file, line and field (provcloud.catalogue.loader).
"""

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from provcloud.catalogue.loader import load_located

HOST_PORT = r"^[A-Za-z0-9.:\[\]-]+:[0-9]{1,5}$"
HTTP_URL = r"^https?://[A-Za-z0-9.\[\]:-]+(:[0-9]{1,5})?/?$"
"""A node's endpoint: scheme, host and port, no path (as routing.py requires of the national table)."""
ORGAN_ID = r"^[0-9A-Z]{2,3}(\.[0-9A-Z]{2,3}){3}$"


def _absolute(path: Path) -> Path:
    if not path.is_absolute():
        raise ValueError(f"{path} is not an absolute path (the node's service does not run in a known folder)")
    return path


AbsolutePath = Annotated[Path, AfterValidator(_absolute)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tls(Strict):
    certificate: AbsolutePath
    private_key: AbsolutePath
    client_ca: AbsolutePath
    """CA certificates of the nodes allowed to call this one (a client certificate is required)."""
    server_ca: AbsolutePath
    """CA certificates of the nodes this one calls."""


class Docsystem(Strict):
    url: Annotated[str, Field(pattern=r"^https?://[^\s/]+/?$")]
    token_file: AbsolutePath
    ca: AbsolutePath | None = None
    """CA of the document system's HTTPS certificate (the provincial CA); absent: the system's."""


class Agency(Strict):
    organ_id: Annotated[str, Field(pattern=ORGAN_ID)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    key: AbsolutePath
    certificate: AbsolutePath
    """The agency's document-signing certificate, then the CAs up to (not including) the anchor."""


class ProvinceSide(Strict):
    code: Annotated[str, Field(pattern=r"^[A-Z][0-9]{2}$")]
    national: Annotated[str, Field(pattern=HTTP_URL)]
    place: Annotated[str, Field(min_length=1, max_length=100)]
    poll_seconds: Annotated[float, Field(gt=0, le=3600)] = 10.0
    docsystem: Docsystem
    agencies: Annotated[list[Agency], Field(min_length=1)]
    directory: dict[Annotated[str, Field(pattern=ORGAN_ID)], str] = {}
    """Names of other agencies a document may be addressed to (OrganName in `To`); unknown: the code."""

    @model_validator(mode="after")
    def _own_agencies(self) -> "ProvinceSide":
        for agency in self.agencies:
            if not agency.organ_id.endswith(f".{self.code}"):
                raise ValueError(f"agency {agency.organ_id} is not of province {self.code}")
        return self


class NodeSettings(Strict):
    node: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{0,252}$")]  # a host name or FQDN
    listen: Annotated[str, Field(pattern=HOST_PORT)]
    endpoint: Annotated[str, Field(pattern=HTTP_URL)]
    state_dir: AbsolutePath
    trust: Annotated[list[AbsolutePath], Field(min_length=1)]
    tls: Tls | None = None
    province: ProvinceSide | None = None
    routing_table: AbsolutePath | None = None

    @model_validator(mode="after")
    def _one_tier(self) -> "NodeSettings":
        if (self.province is None) == (self.routing_table is None):
            raise ValueError("a node is a province's (province:) or the national peer (routing_table:), one of them")
        if self.tls is not None and not self.endpoint.startswith("https://"):
            raise ValueError("with tls the endpoint is https://")
        return self

    @property
    def listen_address(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)


def load_settings(file: Path) -> NodeSettings:
    """The settings in `file`; CatalogueError (a UserError) naming file:line and field on a mistake."""
    return load_located(NodeSettings, file, "an exchange node's settings file")
