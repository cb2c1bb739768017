"""Azure Storage connection strings, split into what ``AzureBlobStorageResource`` takes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BlobAccount:
    account_url: str
    account_key: str | None = None
    sas_token: str | None = None


def parse_connection_string(text: str) -> BlobAccount:
    """``AccountName=..;AccountKey=..[;EndpointSuffix=..][;BlobEndpoint=..]``, or
    ``BlobEndpoint=..;SharedAccessSignature=..``."""
    parts: dict[str, str] = {}
    for item in text.strip().strip(";").split(";"):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"connection string: {key.strip()!r} is not a key=value pair")
        parts[key.strip().lower()] = value.strip()
    if parts.get("usedevelopmentstorage"):
        raise ValueError("connection string: write the emulator's account out (AccountName, AccountKey, BlobEndpoint)")
    url = parts.get("blobendpoint")
    if not url:
        if "accountname" not in parts:
            raise ValueError("connection string: needs BlobEndpoint or AccountName")
        protocol = parts.get("defaultendpointsprotocol", "https")
        url = f"{protocol}://{parts['accountname']}.blob.{parts.get('endpointsuffix', 'core.windows.net')}"
    key, sas = parts.get("accountkey"), parts.get("sharedaccesssignature")
    if not key and not sas:
        raise ValueError("connection string: needs AccountKey or SharedAccessSignature")
    return BlobAccount(account_url=url.rstrip("/"), account_key=key, sas_token=sas)
