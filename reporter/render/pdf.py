"""PDF with WeasyPrint: tagged, titled, language set, confined to the package's assets.

The fetcher refuses every URL but data: URIs and files under the templates folder, and any
problem WeasyPrint reports (a missing image, a bad stylesheet) fails the build: a report that
silently lost a chart is worse than no report.
"""

from __future__ import annotations

import io
import logging
import os
from datetime import datetime, timezone
from contextlib import contextmanager
from pathlib import Path

from ..assets import templates_dir
from ..errors import ReporterError, EXIT_RENDER


class RenderError(ReporterError):
    exit_code = EXIT_RENDER


def confined_fetcher(root: Path):
    """A WeasyPrint URL fetcher that serves data: URIs and files below ``root`` only."""
    from urllib.parse import unquote, urlparse

    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    allowed = Path(root).resolve()

    class Confined(URLFetcher):
        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlparse(url).path)).resolve()
                if path.is_relative_to(allowed) and path.is_file():
                    return super().fetch(url, headers)
            raise FatalURLFetchingError(f"refused to fetch {url}: the PDF renderer only reads its own assets")

    return Confined(allowed_protocols=("data", "file"))


# Advice about WeasyPrint's own set-up, not about this document: not a rendering problem.
_ADVISORIES = ("Using fontTools instead of HarfBuzz-Subset",)
# Fonts converted or subset by fontTools carry a "modified" timestamp; a fixed one keeps
# the PDF byte-identical from run to run (the reproducible-builds convention).
_EPOCH = "1767225600"  # 2026-01-01T00:00:00Z


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(_ADVISORIES):
            self.messages.append(message)


@contextmanager
def _fixed_epoch():
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = previous or _EPOCH
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]


def html_to_pdf(html: str, *, root: Path | None = None, attachments: dict[str, bytes] | None = None) -> bytes:
    """Render; ``attachments`` (name -> bytes) are embedded files, e.g. the packet's metrics.json."""
    from weasyprint import HTML, Attachment
    from weasyprint.urls import FatalURLFetchingError, URLFetchingError

    root = root or templates_dir()
    logger = logging.getLogger("weasyprint")
    collector = _Collector()
    logger.addHandler(collector)
    try:
        with _fixed_epoch():
            document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=confined_fetcher(root))
            stamp = datetime.fromtimestamp(int(_EPOCH), tz=timezone.utc)  # fixed: same inputs, same bytes
            files = [Attachment(file_obj=io.BytesIO(data), name=name, description=name, created=stamp,
                                modified=stamp, relationship="Data")
                     for name, data in sorted((attachments or {}).items())]
            pdf = document.write_pdf(pdf_tags=True, pdf_identifier=b"reporter", uncompressed_pdf=False,
                                     attachments=files or None)
    except (FatalURLFetchingError, URLFetchingError, OSError, ValueError) as exc:
        raise RenderError(f"PDF rendering failed: {exc}") from exc
    finally:
        logger.removeHandler(collector)
    if collector.messages:
        raise RenderError("PDF rendering failed: " + "; ".join(dict.fromkeys(collector.messages)))
    return pdf
