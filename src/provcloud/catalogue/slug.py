"""ASCII slugs from Vietnamese names, valid as DNS-1123 labels (Kubernetes namespace names)."""

import re
import unicodedata

DNS_LABEL_MAX = 63
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# đ/Đ is a letter of its own, not d with a combining mark: NFKD leaves it alone.
_SPECIAL = str.maketrans({"đ": "d", "Đ": "D"})


def slugify(name: str) -> str:
    """`Sở Khoa học và Công nghệ` → `so-khoa-hoc-va-cong-nghe`."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_SPECIAL))
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")


def is_dns_label(value: str) -> bool:
    return len(value) <= DNS_LABEL_MAX and bool(_DNS_LABEL.match(value))
