"""The base of every catalogue model: unknown keys are errors, field docs come from docstrings."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from provcloud.catalogue.quantity import QUANTITY_PATTERN
from provcloud.catalogue.slug import DNS_LABEL_MAX


class CatalogueModel(BaseModel):
    # A typo in a catalogue key must never be silently ignored.
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$"
# QCVN 102:2016 + SĐ1:2022 / Decision 20/2020: dot-separated groups ending in the level-1 code
# (e.g. H49); at most 35 characters.
ORG_CODE_PATTERN = r"^([0-9A-Z]{2,3}\.)+[A-Z][0-9]{2}$"
# A URL reaches apt, nginx and cloud-init files: a lowercase host (name or address), an optional
# port and a path of unreserved characters, '%', '/', '+', '=', ':', '@' — no quotes, ';', braces,
# '$', spaces, user info, query or fragment (issue 11: an apt_proxy value became an apt hook).
URL_PATTERN = r"^https?://[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(/[A-Za-z0-9._~%/+=:@-]*)?$"
# Free text that reaches reports and comments of rendered files: printable, without quotes,
# backslashes, `$`, braces or angle brackets (nothing a template or a shell could read as syntax).
PLAIN_TEXT_PATTERN = r"^[^\x00-\x1f\x7f\"'`\\$<>{}]+$"
# A name: plain text that may hold an apostrophe, as official names do (Phường B'Lao, Xã D'Ran);
# every template that puts a name inside quotes escapes it for its format.
NAME_CHARACTER = r"[^\x00-\x1f\x7f\"`\\$<>{}]"
NAME_PATTERN = rf"^{NAME_CHARACTER}+$"
_SSH_KEY_TYPES = r"(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com)"
# The comment after the key is one line of a name's characters: it reaches authorized_keys through
# the inventory, and `{{ ... }}` there was a template on ansible-core 2.18 (issue 11, hole 4).
SSH_PUBLIC_KEY_PATTERN = rf"^{_SSH_KEY_TYPES} [A-Za-z0-9+/=]+( {NAME_CHARACTER}*)?$"

# What a pattern means, for error messages a person can act on.
PATTERN_HINTS = {
    DNS_LABEL_PATTERN: "lowercase letters, digits and '-', starting and ending with a letter or digit",
    DNS_NAME_PATTERN: "a lowercase DNS name such as apps.danang.gov.vn",
    ORG_CODE_PATTERN: "an agency identifier code such as 000.00.00.H49 (QCVN 102): groups of 2–3 "
    "capitals or digits separated by dots, ending with the level-1 code",
    URL_PATTERN: "an http:// or https:// URL: a lowercase host, an optional port, a path of letters, digits and "
    "._~%/+=:@- (no quotes, ';', braces, '$', spaces, user info, query or fragment)",
    PLAIN_TEXT_PATTERN: "plain text: no control characters, quotes, backslashes, `$`, braces or angle brackets",
    SSH_PUBLIC_KEY_PATTERN: "an SSH public key: its type (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521, "
    "sk-ssh-ed25519@openssh.com), the base64 key and an optional one-line comment without double quotes, "
    "backticks, backslashes, `$`, braces or angle brackets",
    QUANTITY_PATTERN: "a Kubernetes quantity such as 500m, 4 or 8Gi (a number, then an optional suffix: m, k, M, G, "
    "T, P, Ki, Mi, Gi, Ti, Pi)",
    NAME_PATTERN: "a name: no control characters (one line), double quotes, backticks, backslashes, `$`, braces or "
    "angle brackets",
}

DnsLabel = Annotated[str, Field(pattern=DNS_LABEL_PATTERN, max_length=DNS_LABEL_MAX)]
DnsName = Annotated[str, Field(pattern=DNS_NAME_PATTERN, max_length=253)]
SecurityLevel = Annotated[int, Field(ge=1, le=5)]
HttpUrl = Annotated[str, Field(pattern=URL_PATTERN)]
NameText = Annotated[str, Field(min_length=1, max_length=300, pattern=NAME_PATTERN)]
"""A name or description: it reaches nginx and apt comments, certificate subjects, reports (issue
11: a name with a newline added an nginx location)."""
OrgCode = Annotated[str, Field(pattern=ORG_CODE_PATTERN, max_length=35, examples=["000.00.00.H49"])]
