"""Proof of transfer uploads: images or PDF only, size-limited, checked by their content
(not their name or the browser's word), stored under a random name, and only ever served
as a download (views_proof.py)."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from ispcare.common.errors import ValidationFailed

# What the first bytes must be, and the extension the stored file gets.
_SIGNATURES = (
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
    (b"%PDF-", ".pdf", "application/pdf"),
)
CONTENT_TYPES = {ext: ctype for _sig, ext, ctype in _SIGNATURES} | {".webp": "image/webp"}


def _kind(head: bytes) -> str | None:
    for signature, ext, _ctype in _SIGNATURES:
        if head.startswith(signature):
            return ext
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    return None


def proof_check(upload: Any) -> str:
    """Refuse anything but a JPEG, PNG, WebP or PDF under PAYMENT_PROOF_MAX_BYTES; rename
    the upload to a random name with the extension its content has. Returns it."""

    def refuse(message):
        raise ValidationFailed(_("Check the proof of transfer."), fields={"proof": [message]})

    if not isinstance(upload, UploadedFile):
        refuse(_("Upload a file."))
    limit = int(settings.PAYMENT_PROOF_MAX_BYTES)
    if upload.size is None or upload.size == 0:
        refuse(_("The file is empty."))
    if upload.size > limit:
        refuse(
            _("The file is too large (at most %(mb)s MB).") % {"mb": round(limit / 1024 / 1024, 1)}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    ext = _kind(head)
    if ext is None:
        refuse(_("Only a photo (JPEG, PNG, WebP) or a PDF can be uploaded."))
    if ext == ".pdf" and _pdf_has_script(upload):
        refuse(_("This PDF contains scripts; upload a plain PDF or a photo."))
    upload.name = secrets.token_hex(16) + ext
    return ext


def _pdf_has_script(upload: Any) -> bool:
    """PDFs that carry JavaScript or launch actions are refused, whoever opens them."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return any(marker in data for marker in (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile"))


def proof_content_type(name: str) -> str:
    return CONTENT_TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream")
