"""Importers: one per input format, each found by what its file looks like.

`REGISTRY` lists them in the order `mbr formats` shows. To add a format, write an object with
`name`, `title`, `signature`, `identify(sniff)` and `extract(path, ctx)` (see `base.Importer`) and
add it here.
"""

from __future__ import annotations

import csv
import difflib
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
        from .mapping import mapping_importers, shipped_importers

        own = mapping_importers(ctx, {i.name for i in found})
        found += [*own, *shipped_importers(own)]  # the shipped mappings (data/mappings) come last
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
        line = next((ln for ln in s.lines if ln.strip()), "")
        names = ", ".join(i.name for i in importers)
        what = _nearest(importers, line) or f"its first line is {line[:200]!r}"
        raise MbrError(f"{path}:1: no input format recognises this file; {what}. "
                       f"Formats: {names} (see `mbr formats`; use --from NAME, or a [[mapping]] in mbr.toml)")
    return claims[0]


def _nearest(importers: list[Importer], line: str) -> str | None:
    """For a header that misses some columns of a format that names its columns: which format is
    nearest, the columns missing and those it does not know, with a *did you mean*. None when no
    format has at least half of its required columns in the line."""
    from .tabular import listing

    try:
        fields = [f.strip() for f in next(csv.reader([line]), [])]
    except csv.Error:
        return None
    have = set(fields)
    best: tuple[int, int, Importer] | None = None
    for imp in importers:
        required = getattr(imp, "required", None)
        if not isinstance(required, list) or not required:
            continue
        found = len(set(required) & have)
        if found * 2 < len(required) or found == len(required):
            continue
        if best is None or (found, -len(required)) > (best[0], -best[1]):
            best = (found, len(required), imp)
    if best is None:
        return None
    imp = best[2]
    cols: list[str] = list(getattr(imp, "required", []))
    known = set(cols) | set(getattr(imp, "optional", []) or [])
    missing = [c for c in cols if c not in have]
    unknown = [f for f in dict.fromkeys(fields) if f and f not in known]
    out = f"the nearest is {imp.name}: missing column(s): {listing(missing)}"
    if unknown:
        out += f"; unknown column(s): {listing(unknown)}"
        pairs = [(u, near[0]) for u in unknown[:LISTED_GUESSES]
                 if (near := difflib.get_close_matches(u, missing, n=1, cutoff=0.6))]
        if len(pairs) == 1:
            out += f" (did you mean {pairs[0][1]!r}?)"
        elif pairs:
            out += " (did you mean " + ", ".join(f"{m!r} for {u!r}" for u, m in pairs[:10]) + "?)"
    return out


LISTED_GUESSES = 100  # unknown columns looked at for a *did you mean*


__all__ = ["Extracted", "ImportContext", "Importer", "Sniff", "detect", "registry", "sniff"]
