"""Multipart bodies with files, read as a stream with caps of our own.

The app-wide body cap (``max_body_bytes``) is for JSON and forms; an image may
be larger (``[media] max_image_bytes``), so these routes read the parts one by
one, refusing a file past its cap (413) as soon as it gets there.
"""

from __future__ import annotations

from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDict

from server.api import params
from server.services.errors import ValidationError
from server.services.images import TooLarge

FIELD_MAX = 64_000
FIELDS_MAX = 200


async def _read(part: BodyPartReader, limit: int, name: str, error: type[ValidationError]) -> bytes:
    chunks, size = [], 0
    while chunk := await part.read_chunk(65_536):
        size += len(chunk)
        if size > limit:
            raise error(f"{name} is larger than {limit} bytes", field=name)
        chunks.append(chunk)
    return b"".join(chunks)


async def _skip(part: BodyPartReader, limit: int) -> bool:
    """Read the rest of a part and throw it away; False past ``limit`` bytes."""
    size = 0
    while chunk := await part.read_chunk(65_536):
        size += len(chunk)
        if size > limit:
            return False
    return True


async def read_form(
    request: web.Request,
    *,
    files: tuple[str, ...],
    max_file_bytes: int,
    too_large: list[str] | None = None,
) -> tuple[MultiDict[Any], dict[str, bytes]]:
    """The parameters (query string, then body) and the named files' bytes.

    With ``too_large`` (web pages: the error is shown next to the file, the rest
    of the form kept), a file past the cap is skipped and its name listed there
    instead of refusing the whole form."""
    if request.content_type != "multipart/form-data":
        return MultiDict(await params.body(request)), {}
    declared = request.content_length
    if declared is not None and declared > max_file_bytes * len(files) + FIELD_MAX * 4:
        raise TooLarge(f"the request is larger than {max_file_bytes} bytes", field="file")
    fields: MultiDict[Any] = MultiDict(request.query)
    found: dict[str, bytes] = {}
    try:
        reader = await request.multipart()
        count = 0
        while (part := await reader.next()) is not None:
            count += 1
            if count > FIELDS_MAX or not isinstance(part, BodyPartReader):
                raise ValidationError("the form has too many or nested parts")
            name = part.name or ""
            if name in files:
                if name in found:
                    raise ValidationError(f"{name} is given twice", field=name)
                try:
                    found[name] = await _read(part, max_file_bytes, name, TooLarge)
                except TooLarge:
                    if too_large is None or not await _skip(part, max_file_bytes * len(files)):
                        raise
                    too_large.append(name)
            else:
                raw = await _read(part, FIELD_MAX, name, ValidationError)
                fields.add(name, raw.decode("utf-8"))
    except (ValueError, HttpProcessingError) as exc:  # malformed parts, or text not UTF-8
        reason = getattr(exc, "message", None) or str(exc)
        raise ValidationError(f"the form body could not be read: {reason}") from None
    return fields, found
