"""Form uploads that are refused on the form, never on a bare 413 page.

Werkzeug refuses a request whose ``Content-Length`` is over ``MAX_CONTENT_LENGTH`` before parsing
anything, so a person who picked a 25 MB file lost everything they had typed. For
``multipart/form-data`` the request class below decides from the ``Content-Length`` header, before
reading the body, how much it will accept:

- up to ``MAX_MULTIPART_BYTES`` (by default ten files' worth) the body is parsed as it arrives:
  every text field is kept, each file keeps at most ``MAX_UPLOAD_BYTES + 1`` bytes (one more than
  the limit, so every later size check still sees it is too big) and the rest of it is read and
  dropped, never stored; only the first ``MAX_UPLOAD_FILES`` files keep any bytes at all;
- above that the request is refused with the 413 page, which states the limit.

The form field (:class:`competency.blueprints.form_fields.LimitedFileField`) then turns what was
dropped into a message on the form, with the file's real size. Other content types are untouched,
so ``MAX_CONTENT_LENGTH`` still bounds JSON and url-encoded bodies.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass

from flask import Flask, Request, current_app
from werkzeug.datastructures import FileStorage

from competency.evidence.uploads import size_limit_text

SPOOL_BYTES = 512 * 1024


class CappedUpload:
    """The file-like target for one uploaded file: keeps its first ``keep`` bytes, counts them all."""

    def __init__(self, keep: int, *, too_many: bool = False):
        self.keep = keep
        self.received = 0
        self.too_many = too_many
        self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)

    def write(self, data: bytes) -> int:
        room = self.keep - min(self.received, self.keep)
        if room > 0:
            self._file.write(data[:room])
        self.received += len(data)
        return len(data)

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def readline(self, size: int = -1) -> bytes:
        return self._file.readline(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        self._file.close()

    def __iter__(self):
        return iter(self._file)

    @property
    def closed(self) -> bool:
        return self._file.closed


class UploadAwareRequest(Request):
    """Parses over-size multipart bodies instead of refusing them unread (see the module docstring)."""

    def _load_form_data(self) -> None:
        if "form" not in self.__dict__ and self.mimetype == "multipart/form-data":
            ceiling = current_app.config["MAX_MULTIPART_BYTES"]
            if self.content_length is not None and self.content_length <= ceiling:
                self.max_content_length = ceiling
        super()._load_form_data()

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        kept = self.__dict__.setdefault("_files_kept", [0])
        if not filename:  # an empty file input still sends a part; it holds nothing
            return CappedUpload(0)
        if kept[0] >= current_app.config["MAX_UPLOAD_FILES"]:
            return CappedUpload(0, too_many=True)
        kept[0] += 1
        return CappedUpload(current_app.config["MAX_UPLOAD_BYTES"] + 1)


@dataclass(frozen=True)
class RefusedUpload:
    filename: str
    size: int
    too_many: bool

    def message(self, max_bytes: int, max_files: int) -> str:
        if self.too_many:
            return (f"\u201c{self.filename}\u201d was not uploaded: you can add up to {max_files} files at a time. "
                    "Add the others afterwards from the evidence page.")
        return (f"\u201c{self.filename}\u201d is {size_text(self.size)}, more than the {size_limit_text(max_bytes)} "
                "limit for each file. Choose a smaller file.")


def size_text(size: int) -> str:
    megabytes = size / (1024 * 1024)
    if megabytes >= 1:
        return f"{megabytes:.1f}".removesuffix(".0") + " MB"  # "25 MB", "20.5 MB": as the form's script says it
    return f"{max(1, round(size / 1024))} KB"


def refused_uploads(files: list[FileStorage]) -> list[RefusedUpload]:
    """The files among ``files`` that were too big (or too many) and so were not kept."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    refused = []
    for item in files:
        stream = getattr(item, "stream", None)
        if isinstance(stream, CappedUpload) and item.filename and (stream.too_many or stream.received > limit):
            refused.append(RefusedUpload(item.filename, stream.received, stream.too_many))
    return refused


def register_uploads(app: Flask) -> None:
    app.request_class = UploadAwareRequest
