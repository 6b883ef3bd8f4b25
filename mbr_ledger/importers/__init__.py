"""Importers: one per input format, each found by what its file looks like.

`REGISTRY` lists them in the order `mbr formats` shows. To add a format, write an object with
`name`, `title`, `signature`, `identify(sniff)` and `extract(path, ctx)` (see `base.Importer`) and
add it here.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import MbrError
from .base import Extracted, ImportContext, Importer, Sniff

SNIFF_BYTES = 65536


def registry(ctx: ImportContext | None = None) -> list[Importer]:
    from .contract import CONTRACT_IMPORTERS

    found: list[Importer] = list(CONTRACT_IMPORTERS)
    try:
        from .real import REAL_IMPORTERS
    except ImportError:  # pragma: no cover - the real-export importers are optional modules
        REAL_IMPORTERS = []
    found += REAL_IMPORTERS
    if ctx is not None:
        from .mapping import mapping_importers

        found += mapping_importers(ctx, {i.name for i in found})
    return found


def sniff(path: Path) -> Sniff:
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except FileNotFoundError:
        raise MbrError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise MbrError(f"{path}: is a folder, not a file") from None
    except PermissionError:
        raise MbrError(f"{path}: cannot be read (permission denied)") from None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = head[: exc.start].decode("utf-8-sig") if exc.start > len(head) - 4 else head.decode("cp1252", "replace")
    return Sniff(path, head, text.splitlines())


def detect(path: Path, name: str | None = None, ctx: ImportContext | None = None) -> Importer:
    importers = registry(ctx)
    if name:
        for imp in importers:
            if imp.name == name:
                return imp
        raise MbrError(f"--from {name}: unknown format (formats: {', '.join(i.name for i in importers)})")
    s = sniff(path)
    if not s.head.strip():
        raise MbrError(f"{path}:1: the file is empty")
    claims = [imp for imp in importers if imp.identify(s)]
    if len(claims) > 1:
        raise MbrError(f"{path}: more than one format claims this file ({', '.join(i.name for i in claims)}); "
                       f"choose one with --from")
    if not claims:
        if s.head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise MbrError(f"{path}:1: this is UTF-16 text (Excel's 'Unicode Text'); save it as 'CSV UTF-8' "
                           f"and import that")
        if b"\x00" in s.head:
            raise MbrError(f"{path}:1: no input format recognises this file: it is binary, not CSV text "
                           f"(formats: {', '.join(i.name for i in importers)})")
        first = next((ln for ln in s.lines if ln.strip()), "")[:200]
        names = ", ".join(i.name for i in importers)
        raise MbrError(f"{path}:1: no input format recognises this file; its first line is {first!r}. "
                       f"Formats: {names} (see `mbr formats`; use --from NAME, or a [[mapping]] in mbr.toml)")
    return claims[0]


__all__ = ["Extracted", "ImportContext", "Importer", "Sniff", "detect", "registry", "sniff"]
