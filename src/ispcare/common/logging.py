"""Log filter that masks anything shaped like a NIK (16 digits) in log records."""

from __future__ import annotations

import logging
import re

_NIK = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{2})(?!\d)")


def mask_text(text: str) -> str:
    return _NIK.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)


class MaskNikFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
