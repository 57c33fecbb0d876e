"""Checking and re-encoding the images members upload (Pillow; no I/O, no HTTP).

What comes in is hostile: the format is read from the bytes (never the name or
the declared type), only JPEG, PNG and WebP are opened, and the pixel count is
checked from the header before anything is decoded. What goes out is a fresh
image built from the pixels alone: EXIF orientation applied, colours converted
to sRGB, no EXIF (GPS included), XMP, ICC profile or comments left; plus a
thumbnail and a blurhash. The functions are CPU-bound: callers run them in a
thread.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from server.services.errors import ValidationError

if TYPE_CHECKING:  # Pillow (3 MiB) is imported by the first upload, not by every process
    from PIL import Image

# Pillow format name -> (content type, file extension).
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
CONTENT_TYPES = {ext: ctype for ctype, ext in FORMATS.values()}
MAX_STORED_PIXELS = 3840 * 2160  # larger images are scaled down to this many pixels
THUMBNAIL_SIDE = 400
AVATAR_SIDE = 400
HEADER_SIZE = (1500, 500)


class TooLarge(ValidationError):
    """The file is larger than the configured cap (413)."""

    status = 413


@dataclass(frozen=True, slots=True)
class Encoded:
    data: bytes
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Processed:
    content_type: str
    extension: str
    original: Encoded
    thumbnail: Encoded
    blurhash: str | None


def sniff(data: bytes) -> str:
    """The Pillow format of ``data`` by its magic bytes, or a 422."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    raise ValidationError("the file is not a JPEG, PNG or WebP image", field="file")


def _open(data: bytes, *, max_bytes: int, max_pixels: int) -> tuple[str, Image.Image]:
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) > max_bytes:
        raise TooLarge(f"the file is larger than {max_bytes} bytes", field="file")
    fmt = sniff(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[fmt])
            width, height = image.size  # from the header: nothing decoded yet
            if width < 1 or height < 1:
                raise ValidationError("the image has no pixels", field="file")
            if width * height > max_pixels:
                raise ValidationError(
                    f"the image is {width}x{height}: more than {max_pixels} pixels", field="file"
                )
            image.load()
            return fmt, ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Warning) as exc:
        raise ValidationError(f"the image cannot be read: {exc}", field="file") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ValidationError(f"the image cannot be read: {exc}", field="file") from None


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB or RGBA pixels in sRGB, with no metadata at all."""
    from PIL import Image, ImageCms

    target = "RGBA" if _has_alpha(image) else "RGB"
    icc = image.info.get("icc_profile")
    converted = None
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            srgb = ImageCms.createProfile("sRGB")
            base = image if image.mode in ("RGB", "RGBA", "CMYK", "L") else image.convert(target)
            converted = ImageCms.profileToProfile(base, source, srgb, outputMode=target)
        except (ImageCms.PyCMSError, OSError, ValueError):
            converted = None  # a broken profile: keep the pixels as they are
    if converted is None:
        converted = image.convert(target) if image.mode != target else image
    clean = Image.new(target, converted.size)  # a fresh image: no info, no EXIF, no XMP
    clean.paste(converted)
    return clean


def _encode(image: Image.Image, fmt: str) -> Encoded:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=85)
    else:
        image.save(out, "PNG")
    return Encoded(out.getvalue(), image.width, image.height)


def _scaled_down(image: Image.Image, max_pixels: int) -> Image.Image:
    from PIL import Image

    pixels = image.width * image.height
    if pixels <= max_pixels:
        return image
    scale = math.sqrt(max_pixels / pixels)
    size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _blurhash(image: Image.Image) -> str | None:
    import blurhash
    from PIL import Image

    small = image.copy()
    small.thumbnail((32, 32))
    if small.mode == "RGBA":
        white = Image.new("RGBA", small.size, (255, 255, 255, 255))
        small = Image.alpha_composite(white, small)
    small = small.convert("RGB")
    raw, width = small.tobytes(), small.width
    rows = [
        [list(raw[(y * width + x) * 3 : (y * width + x) * 3 + 3]) for x in range(width)]
        for y in range(small.height)
    ]
    try:
        return str(blurhash.encode(rows, components_x=4, components_y=4))
    except (ValueError, ZeroDivisionError):
        return None


def process(data: bytes, *, max_bytes: int, max_pixels: int, kind: str = "attachment") -> Processed:
    """Check and re-encode an upload. ``kind``: ``attachment``, ``avatar`` (a centred
    square, at most 400 px) or ``header`` (at most 1500x500)."""
    fmt, image = _open(data, max_bytes=max_bytes, max_pixels=max_pixels)
    try:
        return _reencode(fmt, _to_srgb(image), kind)
    except (OSError, ValueError) as exc:  # odd modes or truncated data found late
        raise ValidationError(f"the image cannot be read: {exc}", field="file") from None


def _reencode(fmt: str, image: Image.Image, kind: str) -> Processed:
    from PIL import Image, ImageOps

    if kind == "avatar":
        side = min(AVATAR_SIDE, image.width, image.height)
        image = ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
    elif kind == "header":
        image.thumbnail(HEADER_SIZE, Image.Resampling.LANCZOS)
    else:
        image = _scaled_down(image, MAX_STORED_PIXELS)
    thumb = image.copy()
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    content_type, extension = FORMATS[fmt]
    return Processed(
        content_type=content_type,
        extension=extension,
        original=_encode(image, fmt),
        thumbnail=_encode(thumb, fmt),
        blurhash=_blurhash(thumb),
    )


def focus(value: str | None) -> tuple[float, float] | None:
    """Mastodon's focal point ``"x,y"``, each in -1..1."""
    if value is None or value == "":
        return None
    parts = value.split(",")
    try:
        x, y = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
    except ValueError:
        x = y = math.nan
    if not (-1.0 <= x <= 1.0 and -1.0 <= y <= 1.0):
        raise ValidationError('focus must be "x,y" with each between -1 and 1', field="focus")
    return x, y
