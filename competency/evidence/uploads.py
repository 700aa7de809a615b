"""Deciding whether an uploaded file may be kept: by its name, its size and above all its content.

The extension a person gives a file is only a claim. Each allowed kind is
recognised from the bytes themselves, and the claim must agree with what the
bytes are; anything else is refused with a message that says why.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype

from competency.errors import DomainError


class UploadRefused(DomainError):
    """The file was not stored; ``message`` says why in plain words."""


@dataclass(frozen=True)
class FileKind:
    code: str
    label: str
    media_type: str
    extensions: tuple[str, ...]


PDF = FileKind("pdf", "PDF", "application/pdf", ("pdf",))
PNG = FileKind("png", "PNG image", "image/png", ("png",))
JPEG = FileKind("jpeg", "JPEG image", "image/jpeg", ("jpg", "jpeg"))
GIF = FileKind("gif", "GIF image", "image/gif", ("gif",))
WEBP = FileKind("webp", "WebP image", "image/webp", ("webp",))
DOCX = FileKind("docx", "Word document",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",))
XLSX = FileKind("xlsx", "Excel workbook",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",))
PPTX = FileKind("pptx", "PowerPoint presentation",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",))
ODT = FileKind("odt", "OpenDocument text", "application/vnd.oasis.opendocument.text", ("odt",))
# The charset is added once, when the file is served (text is only accepted as UTF-8).
TEXT = FileKind("text", "plain text file", "text/plain", ("txt",))

ALLOWED_KINDS = (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, PPTX, ODT, TEXT)
KIND_BY_EXTENSION = {ext: kind for kind in ALLOWED_KINDS for ext in kind.extensions}
ALLOWED_EXTENSIONS_TEXT = "PDF, PNG, JPEG, GIF, WebP, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), " \
                          "OpenDocument text (.odt) or plain text (.txt)"

# The main part each Office Open XML package must declare in [Content_Types].xml.
OOXML_MAIN_PARTS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
MAX_MANIFEST_BYTES = 1024 * 1024
EXECUTABLE_KINDS = {"exe", "elf", "wasm", "swf", "crx", "cab", "deb", "rpm"}
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe",
                    b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")
MAX_FILENAME_LENGTH = 200
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
# Bidirectional controls make "report\u202egpj.exe" display as "reportexe.jpg".
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def check_filename(filename: str | None) -> str:
    """The name to show, or refusal for anything that is not a plain file name."""
    name = unicodedata.normalize("NFC", (filename or "").strip())
    if not name:
        raise UploadRefused("Choose a file to upload.", rule="upload_missing", field="file")
    if _UNSAFE_NAME.search(name) or name in (".", ".."):
        raise UploadRefused(
            f"The file name \u201c{_printable(name)}\u201d is not allowed: it contains a folder path or characters "
            "that cannot be used in a file name. Rename the file and try again.",
            rule="upload_bad_filename", field="file")
    if _BIDI_CONTROLS.search(name):
        raise UploadRefused(
            "The file name contains hidden characters that change the direction of the text (such as a "
            "right-to-left override), so it would be shown as a different name. Rename the file and try again.",
            rule="upload_bad_filename", field="file")
    if name.startswith("."):
        raise UploadRefused("File names cannot start with a dot. Rename the file and try again.",
                            rule="upload_bad_filename", field="file")
    if len(name) > MAX_FILENAME_LENGTH:
        raise UploadRefused(f"The file name is longer than {MAX_FILENAME_LENGTH} characters. Shorten it and try again.",
                            rule="upload_bad_filename", field="file")
    return name


def _printable(name: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in name)[:80]


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def size_limit_text(max_bytes: int) -> str:
    megabytes = max_bytes / (1024 * 1024)
    return f"{megabytes:g} MB" if megabytes >= 1 else f"{max_bytes // 1024} KB"


def check_size(size: int, max_bytes: int) -> None:
    if size == 0:
        raise UploadRefused("The file is empty. Choose a file with something in it.", rule="upload_empty",
                            field="file")
    if size > max_bytes:
        raise UploadRefused(f"The file is larger than {size_limit_text(max_bytes)}. Choose a smaller file.",
                            rule="upload_too_large", field="file")


def _looks_executable(data: bytes) -> bool:
    guess = filetype.guess(data[:8192])
    return data.startswith(EXECUTABLE_MAGIC) or (guess is not None and guess.extension in EXECUTABLE_KINDS)


# What reading a hostile or unusual zip can raise: zipfile raises NotImplementedError for
# compression methods it lacks and RuntimeError for encrypted members. Any of them means "not this type".
UNREADABLE_ZIP = (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError)


# -- inside Office containers ------------------------------------------------------------------
# A .docx, .xlsx, .pptx or .odt is a zip of parts. Its name and main part can look harmless
# while a part holds macros (Office: vbaProject.bin; OpenDocument: Basic/ and Scripts/) or a
# whole program (an embedded .exe, or a "package" OLE object wrapping one).

MACRO_PART_NAMES = {"vbaproject.bin", "vbaprojectsignature.bin", "vbaprojectsignatureagile.bin",
                    "vbaprojectsignaturev3.bin", "vbadata.xml"}
MACRO_CONTENT_TYPES = ("vbaproject", "macroenabled", "activex", "ms-office.vbadata")
ODF_SCRIPT_FOLDERS = ("Basic/", "Scripts/")
EXECUTABLE_EXTENSIONS = {"exe", "dll", "com", "scr", "pif", "cpl", "msi", "msp", "msc", "bat", "cmd", "vbs", "vbe",
                         "js", "jse", "wsf", "wsh", "ps1", "psm1", "hta", "jar", "sh", "app", "lnk", "reg", "scf",
                         "inf", "gadget", "apk", "dmg", "elf", "so", "dylib"}
# The DOS stub every Windows program carries, found even when the program is wrapped in an OLE object.
_PROGRAM_STUBS = (b"This program cannot be run in DOS mode", b"This program must be run under Win32")
# An OLE "package" (Ole10Native) stores the wrapped file's name, NUL-terminated.
_PACKAGED_PROGRAM = re.compile(
    rb"[^\x00-\x1f\\/]{1,200}\.(?:" + b"|".join(e.encode() for e in sorted(EXECUTABLE_EXTENSIONS)) + rb")\x00",
    re.IGNORECASE)
MAX_CONTAINER_PARTS = 5000
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
_SCAN_CHUNK = 256 * 1024
_SCAN_OVERLAP = 512


def _refuse_macros(shown_name: str) -> UploadRefused:
    return UploadRefused(
        f"\u201c{shown_name}\u201d contains macros or other active content, which could run on the computer of "
        "whoever opens it. Save it as an ordinary document (for example Word .docx without macros) and try again.",
        rule="upload_macros", field="file")


def _refuse_program(shown_name: str) -> UploadRefused:
    return UploadRefused(
        f"\u201c{shown_name}\u201d has a program inside it. Programs cannot be uploaded as evidence, even inside "
        "a document. Remove the embedded file and try again.", rule="upload_embedded_executable", field="file")


def _part_is_program(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Read one part in chunks: a program's signature at the start, a DOS stub, or a packaged program's name."""
    is_ole = info.filename.lower().endswith(".bin")
    carry = b""
    with archive.open(info) as stream:
        first = True
        while chunk := stream.read(_SCAN_CHUNK):
            if first and _starts_like_a_program(chunk):
                return True
            first = False
            window = carry + chunk
            if any(stub in window for stub in _PROGRAM_STUBS):
                return True
            if is_ole and _PACKAGED_PROGRAM.search(window):
                return True
            carry = window[-_SCAN_OVERLAP:]
    return False


def _starts_like_a_program(head: bytes) -> bool:
    # Not "#!": inside a document that would be any text part beginning so; scripts are caught by name.
    if head.startswith(tuple(magic for magic in EXECUTABLE_MAGIC if magic != b"#!")):
        return True
    guess = filetype.guess(head[:8192])
    return guess is not None and guess.extension in EXECUTABLE_KINDS


def check_container(data: bytes, shown_name: str) -> None:
    """Refuse a zip-based document holding macros or programs; a zip that cannot be read is left to
    :func:`detect_kind`, which refuses it as damaged.

    :raises UploadRefused: ``upload_macros``, ``upload_embedded_executable`` or ``upload_too_large``.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_CONTAINER_PARTS or sum(p.file_size for p in parts) > MAX_UNPACKED_BYTES:
                raise UploadRefused(
                    f"\u201c{shown_name}\u201d unpacks to more than {size_limit_text(MAX_UNPACKED_BYTES)}, which "
                    "no ordinary document does. Upload a smaller file.", rule="upload_too_large", field="file")
            for info in parts:
                name = info.filename
                base = name.rsplit("/", 1)[-1].lower()
                if base in MACRO_PART_NAMES or name.startswith(ODF_SCRIPT_FOLDERS):
                    raise _refuse_macros(shown_name)
                if base == "[content_types].xml" and info.file_size <= MAX_MANIFEST_BYTES:
                    manifest = archive.read(info).decode("utf-8", errors="replace").lower()
                    if any(marker in manifest for marker in MACRO_CONTENT_TYPES):
                        raise _refuse_macros(shown_name)
            for info in parts:
                if info.is_dir():
                    continue
                if _extension(info.filename.rsplit("/", 1)[-1]) in EXECUTABLE_EXTENSIONS or \
                        _part_is_program(archive, info):
                    raise _refuse_program(shown_name)
    except UNREADABLE_ZIP:
        return


def _ooxml_kind(data: bytes) -> str | None:
    """docx/xlsx/pptx when the zip declares that main part (and no macros), else None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > MAX_MANIFEST_BYTES:
                return None
            manifest = archive.read(info).decode("utf-8", errors="replace")
    except UNREADABLE_ZIP:
        return None
    for code, main_part in OOXML_MAIN_PARTS.items():
        if f'ContentType="{main_part}"' in manifest:
            return code
    return None


def _is_odt(data: bytes) -> bool:
    # An OpenDocument package starts with an uncompressed "mimetype" entry naming its type.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("mimetype")
            if info.file_size > 200:
                return False
            return archive.read(info).strip() == b"application/vnd.oasis.opendocument.text"
    except UNREADABLE_ZIP:
        return False


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def detect_kind(data: bytes) -> FileKind | None:
    """What the bytes are, among the allowed kinds (None when they are none of them)."""
    if data.startswith(b"%PDF-"):
        return PDF
    guess = filetype.guess(data[:8192])
    if guess is not None:
        by_ext = {"png": PNG, "jpg": JPEG, "gif": GIF, "webp": WEBP}
        if guess.extension in by_ext:
            return by_ext[guess.extension]
    if data.startswith(b"PK\x03\x04"):
        code = _ooxml_kind(data)
        if code:
            return {"docx": DOCX, "xlsx": XLSX, "pptx": PPTX}[code]
        if _is_odt(data):
            return ODT
        return None
    if _is_text(data) and not _looks_executable(data):
        return TEXT
    return None


def check_upload(filename: str | None, data: bytes, max_bytes: int) -> tuple[str, FileKind]:
    """Return (display name, kind) for an acceptable file, or raise :class:`UploadRefused`."""
    name = check_filename(filename)
    check_size(len(data), max_bytes)
    extension = _extension(name)
    claimed = KIND_BY_EXTENSION.get(extension)
    if claimed is None:
        raise UploadRefused(
            f"Files ending .{extension} cannot be uploaded. Upload a {ALLOWED_EXTENSIONS_TEXT}." if extension
            else f"The file name has no extension. Upload a {ALLOWED_EXTENSIONS_TEXT}.",
            rule="upload_type_not_allowed", field="file")
    if _looks_executable(data):
        raise UploadRefused(
            f"\u201c{_printable(name)}\u201d is a program, not a document, even though its name ends .{extension}. "
            "Programs cannot be uploaded as evidence.", rule="upload_executable", field="file")
    if data.startswith(b"PK\x03\x04"):
        check_container(data, _printable(name))
    actual = detect_kind(data)
    if actual is None:
        raise UploadRefused(
            f"\u201c{_printable(name)}\u201d is named as a {claimed.label} but its content is not one, or it is "
            f"damaged. Upload a {ALLOWED_EXTENSIONS_TEXT}.", rule="upload_content_mismatch", field="file")
    if actual is not claimed:
        raise UploadRefused(
            f"\u201c{_printable(name)}\u201d is named as a {claimed.label} but its content is a {actual.label}. "
            f"Rename it to end .{actual.extensions[0]} if that is right, or upload the intended file.",
            rule="upload_content_mismatch", field="file")
    return name, actual
