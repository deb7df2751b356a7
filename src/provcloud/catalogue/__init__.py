"""The province catalogue: schema, loader with line numbers, rules across fields."""

from provcloud.catalogue.agency import Agency, AgencyKind
from provcloud.catalogue.loader import load_province
from provcloud.catalogue.problem import CatalogueError, LocatedProblem
from provcloud.catalogue.province import Province
from provcloud.catalogue.service_machine import MachineRole, ServiceMachine

__all__ = [
    "Agency",
    "AgencyKind",
    "CatalogueError",
    "LocatedProblem",
    "MachineRole",
    "Province",
    "ServiceMachine",
    "load_province",
]
