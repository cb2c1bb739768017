"""The landing zone: partner folders of drop files, in a local folder or an Azure Blob Storage container.

Both backends answer the same three questions (which files lie directly in a partner's folder, what is
in one, put one there), so finding, identifying and reading drops is one code path for both.

A drop is one file; its id is ``make_drop_id(partner, file name, sha256 of the content)``, so the same
content under the same name is the same drop whenever it is listed, and a changed file is a new drop
(a new version of the file). The id keeps the exact file name (``drop_name``: a name with characters a
partition key or a file name cannot hold gets a hash of itself), so two names are never one file.
Files whose names start with ``.``, ``_`` or ``~`` are ignored (write a file under such a name and
rename it when complete), and so are files in sub-folders of a partner's folder. A file over the
partner's ``max_bytes`` is never downloaded: its id hashes its etag and size instead of its content,
and reading it fails with the size.

:func:`scan` finds the new drops for the sensor. Its cursor keeps, per partner, the newest
last-modified time seen and, grouped by second of last-modified time, short hashes of (name, etag) of the files
seen in the minute before it: listing returns every file, but only files modified after that time
minus a minute, and not already seen with the same etag, are downloaded and hashed. The minute covers
blobs committed in the same second as the newest one seen (Azure's last-modified time has one-second
resolution) and clocks that differ a little; the hashes keep the cursor small (13 bytes a file) when
thousands of files arrive within a minute.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from isco_assets.lib.common.storage import atomic_write
from isco_assets.lib.ingest.drops import (
    DropError,
    PartnerSpec,
    check_size,
    content_hash,
    drop_name,
    make_drop_id,
    parse_drop_id,
    safe_name,
)

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient

IGNORED_PREFIXES = (".", "_", "~")
LOOKBACK = timedelta(minutes=1)
CURSOR_VERSION = 3
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class DropNotFound(DropError):
    """The file behind a registered drop was removed, or changed since it was registered."""


@dataclass(frozen=True)
class LandedFile:
    key: str  # path inside the zone: "<partner folder>/<file name>"
    size: int
    modified: datetime  # UTC
    etag: str  # changes whenever the content changes

    @property
    def name(self) -> str:
        return PurePosixPath(self.key).name


def visible(name: str) -> bool:
    return bool(name) and not name.startswith(IGNORED_PREFIXES)


class LandingZone(ABC):
    """Partner folders of drop files; keys are ``folder/name`` with ``/`` separators on every backend."""

    @abstractmethod
    def list_files(self, folder: str, name_prefix: str = "") -> Iterator[LandedFile]:
        """Visible files directly in ``folder`` whose names start with ``name_prefix``."""

    @abstractmethod
    def stat(self, key: str) -> LandedFile:
        """The file at ``key``; FileNotFoundError when there is none."""

    @abstractmethod
    def read(self, key: str) -> bytes: ...

    @abstractmethod
    def write(self, key: str, data: bytes) -> LandedFile:
        """Put a file in the zone at once (readers never see part of it)."""

    @abstractmethod
    def url(self, key: str) -> str:
        """Where a file or folder is, for messages and metadata."""


class LocalLandingZone(LandingZone):
    """A folder on disk (``$ISCO_DATA_DIR/landing``) with one sub-folder per partner."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, key: str) -> Path:
        return self.root.joinpath(*PurePosixPath(key).parts)

    def _file(self, path: Path) -> LandedFile:
        st = path.stat()
        return LandedFile(
            key=path.relative_to(self.root).as_posix(), size=st.st_size,
            modified=_EPOCH + timedelta(microseconds=st.st_mtime_ns // 1000), etag=f"{st.st_mtime_ns}-{st.st_size}",
        )

    def list_files(self, folder: str, name_prefix: str = "") -> Iterator[LandedFile]:
        directory = self.path(folder)
        if not directory.is_dir():
            return
        for path in sorted(directory.glob(f"{_glob_escape(name_prefix)}*")):
            if visible(path.name) and path.is_file():
                yield self._file(path)

    def stat(self, key: str) -> LandedFile:
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(f"no file {path}")
        return self._file(path)

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def write(self, key: str, data: bytes) -> LandedFile:
        path = self.path(key)
        return self._file(atomic_write(path, lambda partial: partial.write_bytes(data)))

    def url(self, key: str) -> str:
        return str(self.path(key))


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


class BlobLandingZone(LandingZone):
    """An Azure Blob Storage container with one blob-name prefix (``partner/``) per partner.

    Listing pages through the container ``page_size`` blobs at a time; ``/`` delimits folders, so
    blobs in "sub-folders" of a partner's prefix are not listed.
    """

    def __init__(self, container: ContainerClient, page_size: int = 5000):
        self.container = container
        self.page_size = page_size

    @staticmethod
    def _file(blob: Any) -> LandedFile:
        return LandedFile(key=blob.name, size=blob.size, modified=blob.last_modified.astimezone(UTC),
                          etag=blob.etag.strip('"'))

    def list_files(self, folder: str, name_prefix: str = "") -> Iterator[LandedFile]:
        from azure.storage.blob import BlobPrefix

        prefix = f"{folder.strip('/')}/"
        listing = self.container.walk_blobs(
            name_starts_with=prefix + name_prefix, delimiter="/", results_per_page=self.page_size
        )
        for item in listing:
            if not isinstance(item, BlobPrefix) and visible(item.name[len(prefix):]):
                yield self._file(item)

    def stat(self, key: str) -> LandedFile:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return self._file(self.container.get_blob_client(key).get_blob_properties())
        except ResourceNotFoundError as exc:
            raise FileNotFoundError(f"no blob {self.url(key)}") from exc

    def read(self, key: str) -> bytes:
        return self.container.download_blob(key, max_concurrency=4).readall()

    def write(self, key: str, data: bytes) -> LandedFile:
        self.container.upload_blob(key, data, overwrite=True)
        return self.stat(key)

    def url(self, key: str) -> str:
        return f"{self.container.url.rstrip('/')}/{key}"


def identify(zone: LandingZone, partner: PartnerSpec, file: LandedFile) -> str:
    """The drop id of a landed file: hashes its content, or its etag and size when over the size limit."""
    if file.size > partner.max_bytes:
        return make_drop_id(partner.name, file.name, content_hash(f"over-limit {file.etag} {file.size}".encode()))
    return make_drop_id(partner.name, file.name, content_hash(zone.read(file.key)))


def open_drop(
    zone: LandingZone, partners: Mapping[str, PartnerSpec], drop_id: str
) -> tuple[PartnerSpec, LandedFile, bytes]:
    """The partner, the file behind a drop id and its content.

    Raises DropError when the file is over the partner's size limit (without downloading it) and
    DropNotFound when no file has that name and content any more.
    """
    name_of_partner, name, short_hash = parse_drop_id(drop_id)
    partner = partners.get(name_of_partner)
    if partner is None:
        raise DropNotFound(f"drop {drop_id}: partner {name_of_partner!r} is not in the partner registry")
    # the name in the id equals the real name up to its first "_" or "." (unsafe characters become "_", dots
    # are collapsed); a drop registered before names were kept exactly has only the safe name (no "~")
    prefix = re.split(r"[_.~]", name, maxsplit=1)[0]
    matches = [f for f in zone.list_files(partner.folder, prefix)
               if drop_name(f.name) == name or ("~" not in name and safe_name(f.name) == name)]
    for file in matches:
        if file.size > partner.max_bytes:
            if parse_drop_id(identify(zone, partner, file))[2] == short_hash:
                check_size(file.name, file.size, partner)
            continue
        data = zone.read(file.key)
        if content_hash(data)[:10] == short_hash:
            return partner, file, data
    if not matches:
        raise DropNotFound(f"drop {drop_id}: no file named {name} in {zone.url(partner.folder)}")
    raise DropNotFound(
        f"drop {drop_id}: {zone.url(matches[0].key)} changed since it was registered (hash no longer "
        f"{short_hash}); the new content is a new drop"
    )


def current_versions(drop_ids: Iterable[str], partners: Mapping[str, PartnerSpec]) -> set[str]:
    """The drops whose rows count, from drop ids in registration order: of the versions of one file of a
    partner with ``changed_files: replace`` only the last one; every drop of the other partners."""
    latest: dict[tuple[str, str], str] = {}
    kept: set[str] = set()
    for drop_id in drop_ids:
        partner, name, _ = parse_drop_id(drop_id)
        spec = partners.get(partner)
        if spec is not None and spec.changed_files == "replace":
            latest[(partner, name)] = drop_id
        else:
            kept.add(drop_id)
    return kept | set(latest.values())


@dataclass(frozen=True)
class NewDrop:
    drop_id: str
    partner: str
    key: str


@dataclass
class ScanResult:
    new: list[NewDrop] = field(default_factory=list)
    redelivered: list[tuple[str, str]] = field(default_factory=list)  # (key, drop with the same content)
    more: bool = False  # files were left for the next scan (over the limit per scan)
    cursor: str = ""


def scan(
    zone: LandingZone, partners: Mapping[str, PartnerSpec], known: Iterable[str], cursor: str | None,
    limit: int | None = None,
) -> ScanResult:
    """New drops in every partner's folder, oldest first, at most ``limit`` files hashed per scan.

    ``known`` are the drop ids already registered: a file whose id is known (same name, same content)
    is skipped, and so is a file with the content of a known drop of the same partner under another
    name (a re-delivery, reported in ``redelivered``).
    """
    state = _load_cursor(cursor)
    candidates: list[tuple[datetime, str, PartnerSpec, LandedFile]] = []
    for partner in partners.values():
        seen = state.get(partner.name, {})
        since = _time(seen.get("after")) - LOOKBACK
        recent = seen.get("recent", {})
        for file in zone.list_files(partner.folder):
            if file.modified >= since and _mark(file) not in recent.get(_second(file.modified), ()):
                candidates.append((file.modified, file.key, partner, file))
    candidates.sort(key=lambda c: (c[0], c[1]))
    todo = candidates if limit is None else candidates[:limit]
    known_ids = set(known)
    known_content = {(p, h) for p, _, h in (parse_drop_id(d) for d in known_ids if d.count("__") >= 2)}
    result = ScanResult(more=len(todo) < len(candidates))
    for modified, key, partner, file in todo:
        drop_id = identify(zone, partner, file)
        seen = state.setdefault(partner.name, {"after": None, "recent": {}})
        seen["recent"].setdefault(_second(modified), []).append(_mark(file))
        seen["after"] = max(_time(seen["after"]), modified).isoformat()
        content = (partner.name, parse_drop_id(drop_id)[2])
        if drop_id in known_ids:
            continue
        if content in known_content:
            same = next(d for d in known_ids if d.startswith(f"{partner.name}__") and d.endswith(f"__{content[1]}"))
            result.redelivered.append((key, same))
            continue
        known_ids.add(drop_id)
        known_content.add(content)
        result.new.append(NewDrop(drop_id, partner.name, key))
    for seen in state.values():
        since = _time(seen["after"]) - LOOKBACK
        seen["recent"] = {t: marks for t, marks in seen["recent"].items() if int(t) >= since.timestamp() - 1}
    result.cursor = json.dumps({"version": CURSOR_VERSION, "partners": state}, sort_keys=True)
    return result


def _load_cursor(cursor: str | None) -> dict[str, dict[str, Any]]:
    """Per partner {"after": ISO time, "recent": {epoch second: [mark, ...]}}; an older format starts afresh."""
    if not cursor:
        return {}
    value = json.loads(cursor)
    return value["partners"] if isinstance(value, dict) and value.get("version") == CURSOR_VERSION else {}


def _mark(file: LandedFile) -> str:
    return content_hash(f"{file.key}\n{file.etag}".encode())[:12]


def _second(time: datetime) -> str:
    return str(int(time.timestamp()))


def _time(value: str | None) -> datetime:
    return datetime.fromisoformat(value) if value else _EPOCH
