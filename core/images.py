"""Uploaded pictures (avatars, widget logos): checked by content, re-encoded to a clean WebP.

Accepted: PNG, JPEG and WebP recognised by their bytes, never by the file name or the browser's
content type. Everything else (SVG with or without scripts, GIF, text renamed to .png, ...) is
refused, and so are oversized files, damaged files and decompression bombs. The result is a fresh
canvas without EXIF, ICC, XMP or text chunks.
"""

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import DomainError

MB = 1024 * 1024
MAX_PIXELS = 40_000_000  # a tiny PNG of one colour can hold a gigantic canvas: refuse before decoding it
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
ACCEPT_ATTRIBUTE = "image/png,image/jpeg,image/webp"

WRONG_TYPE = "Загрузите изображение PNG, JPEG или WebP"
UNREADABLE = "Не удалось прочитать изображение"
TOO_MANY_PIXELS = "Слишком большое изображение: не больше 40 мегапикселей"
NO_FILE = "Выберите файл с изображением."


class ImageRejected(DomainError):
    """Not an image we take: ``message`` for the user (also under the ``file`` field), ``code`` for the API."""

    code = "invalid_image"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message, code=code, fields={"file": message})


def too_big_message(max_bytes: int) -> str:
    return f"Файл больше {max_bytes / MB:g} МБ"


def read_upload(upload, max_bytes: int) -> bytes:
    """The uploaded bytes, refusing more than ``max_bytes`` without reading past the limit."""
    if upload is None:
        raise ImageRejected(NO_FILE, "file_required")
    if upload.size is not None and upload.size > max_bytes:
        raise ImageRejected(too_big_message(max_bytes), "file_too_large")
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected(too_big_message(max_bytes), "file_too_large")
    if not data:
        raise ImageRejected(UNREADABLE, "corrupt_image")
    return data


def _looks_like_accepted_image(data: bytes) -> bool:
    """Magic bytes of PNG, JPEG or WebP: such a file that Pillow cannot open is damaged, not foreign."""
    return (
        data.startswith(b"\x89PNG\r\n\x1a\n")
        or data.startswith(b"\xff\xd8\xff")
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
    )


def to_webp(data: bytes, size: tuple[int, int], *, crop: bool) -> tuple[bytes, int, int]:
    """Re-encode: ``crop`` → exactly ``size`` cut around the centre; else fitted within ``size`` (never enlarged)."""
    try:
        image: Image.Image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except UnidentifiedImageError as exc:  # not PNG/JPEG/WebP by its bytes (SVG, text, GIF, ...), or damaged
        if _looks_like_accepted_image(data):
            raise ImageRejected(UNREADABLE, "corrupt_image") from exc
        raise ImageRejected(WRONG_TYPE, "unsupported_image") from exc
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageRejected(UNREADABLE, "corrupt_image") from exc
    with image:
        width, height = image.size
        if width < 1 or height < 1:
            raise ImageRejected(UNREADABLE, "corrupt_image")
        if width * height > MAX_PIXELS:
            raise ImageRejected(TOO_MANY_PIXELS, "image_too_large")
        try:
            image.draft("RGB", (size[0] * 2, size[1] * 2))  # JPEG: decode at a reduced scale
            image.load()
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGBA" if image.has_transparency_data else "RGB")
            if crop:
                image = ImageOps.fit(image, size, method=Image.Resampling.LANCZOS)
            else:
                image.thumbnail(size, Image.Resampling.LANCZOS)
            clean = Image.new(image.mode, image.size)
            clean.paste(image)
            out = io.BytesIO()
            clean.save(out, "WEBP", quality=85, method=4)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise ImageRejected(UNREADABLE, "corrupt_image") from exc
    return out.getvalue(), clean.width, clean.height
