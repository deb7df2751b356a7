"""Kubernetes label selectors (`matchLabels` and `matchExpressions`, as in
k8s.io/apimachinery `metav1.LabelSelectorAsSelector`), for the checks that model who a selector
picks: CDI's importer under a NetworkPolicy, a namespace under an admission policy binding."""

from collections.abc import Mapping
from typing import Any


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Whether `selector` picks an object with `labels`; an empty selector picks everything."""
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        present = key in labels
        if (
            (operator == "In" and labels.get(key) not in values)
            or (operator == "NotIn" and present and labels[key] in values)
            or (operator == "Exists" and not present)
            or (operator == "DoesNotExist" and present)
        ):
            return False
    return True
