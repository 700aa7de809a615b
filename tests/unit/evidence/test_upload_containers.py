"""Office documents are opened and looked inside: macros and embedded programs are refused whatever
the file is called, names that display as something else are refused, and text is served with one charset.

Every document here is built with zipfile in the layout Office and LibreOffice write (content types,
package relationships, the main part and its relationships), so the checks meet real structure.
"""
from __future__ import annotations

import io
import struct
import zipfile

import pytest

from competency.evidence import services
from competency.evidence.storage import LocalStorage
from competency.evidence import uploads
from competency.evidence.uploads import UploadRefused, check_upload
from tests.evidence_support import log_evidence
from tests.factories import make_person
from tests.unit.evidence.test_uploads import ELF_BYTES, EXE_BYTES, PNG_BYTES

MB = 1024 * 1024
PKG = "http://schemas.openxmlformats.org/package/2006"
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

MAIN = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
             '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
             "<w:t>Reflection on a home visit</w:t></w:r></w:p></w:body></w:document>"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
             '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>'),
    "pptx": ("ppt/presentation.xml",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
             '<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>'),
}
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
VBA_TYPE = "application/vnd.ms-office.vbaProject"


def ooxml(kind: str = "docx", *, parts: dict[str, bytes] | None = None, overrides: dict[str, str] | None = None,
          main_type: str | None = None, relationships: list[tuple[str, str]] = ()) -> bytes:
    """A minimal, well-formed Office Open XML package with extra ``parts`` (path -> bytes)."""
    main_path, default_type, body = MAIN[kind]
    folder, main_name = main_path.rsplit("/", 1)
    overrides = {f"/{main_path}": main_type or default_type, **(overrides or {})}
    types = "".join(f'<Override PartName="{name}" ContentType="{ctype}"/>' for name, ctype in overrides.items())
    rels = "".join(f'<Relationship Id="rId{n}" Type="{rtype}" Target="{target}"/>'
                   for n, (rtype, target) in enumerate(relationships, start=1))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml",
                         f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="{PKG}/content-types">'
                         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                         '<Default Extension="xml" ContentType="application/xml"/>'
                         f'<Default Extension="png" ContentType="image/png"/>{types}</Types>')
        archive.writestr("_rels/.rels",
                         f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}/relationships">'
                         f'<Relationship Id="rId1" Type="{OFFICE_REL}/officeDocument" Target="{main_path}"/>'
                         "</Relationships>")
        archive.writestr("docProps/app.xml", "<Properties><Application>Microsoft Office Word</Application></Properties>")
        archive.writestr(main_path, f'<?xml version="1.0" encoding="UTF-8"?>{body}')
        archive.writestr(f"{folder}/_rels/{main_name}.rels",
                         f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}/relationships">{rels}'
                         "</Relationships>")
        for path, data in (parts or {}).items():
            archive.writestr(path, data)
    return buffer.getvalue()


def odt(extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("META-INF/manifest.xml", '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                                                  'opendocument:xmlns:manifest:1.0"/>')
        archive.writestr("content.xml", "<office:document-content/>")
        for path, data in (extra or {}).items():
            archive.writestr(path, data)
    return buffer.getvalue()


def ole_package(filename: str, payload: bytes) -> bytes:
    """The Ole10Native stream an OLE "package" object keeps: size, flags, label, path, then the file.

    Real ones sit inside a compound file; what identifies the wrapped file is the same bytes.
    """
    label = filename.encode() + b"\x00"
    path = f"C:\\Users\\me\\Downloads\\{filename}".encode() + b"\x00"
    body = b"\x02\x00" + label + path + b"\x00\x00\x03\x00" + struct.pack("<I", len(path)) + path + \
        struct.pack("<I", len(payload)) + payload
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + struct.pack("<I", len(body)) + body


VBA_PROJECT = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"Attribute VB_Name = \"ThisDocument\"\r\nSub AutoOpen()"
EMBED_REL = f"{OFFICE_REL}/oleObject"


def refusal(name: str, data: bytes) -> UploadRefused:
    with pytest.raises(UploadRefused) as excinfo:
        check_upload(name, data, max_bytes=20 * MB)
    return excinfo.value


class TestOrdinaryDocumentsStillPass:
    @pytest.mark.parametrize(("name", "data"), [
        ("reflection.docx", ooxml("docx")),
        ("hours.xlsx", ooxml("xlsx")),
        ("teaching.pptx", ooxml("pptx")),
        ("with-a-photo.docx", ooxml("docx", parts={"word/media/image1.png": PNG_BYTES})),
        ("with-a-chart.docx", ooxml("docx", parts={"word/embeddings/Microsoft_Excel_Worksheet.xlsx": ooxml("xlsx")})),
        ("printer.xlsx", ooxml("xlsx", parts={"xl/printerSettings/printerSettings1.bin": b"\x00\x01" * 300})),
        ("notes.odt", odt()),
    ])
    def test_documents_without_active_content_are_accepted(self, name, data):
        shown, kind = check_upload(name, data, max_bytes=20 * MB)
        assert shown == name and kind.extensions[0] == name.rsplit(".", 1)[1]


class TestMacros:
    def test_a_docx_carrying_a_vba_project_is_refused(self):
        data = ooxml("docx", parts={"word/vbaProject.bin": VBA_PROJECT},
                     relationships=[("http://schemas.microsoft.com/office/2006/relationships/vbaProject",
                                     "vbaProject.bin")])
        error = refusal("care-plan.docx", data)
        assert error.rule == "upload_macros" and "contains macros" in error.message

    def test_a_docm_renamed_docx_is_refused_as_macros(self):
        data = ooxml("docx", main_type=DOCM_MAIN, parts={"word/vbaProject.bin": VBA_PROJECT},
                     overrides={"/word/vbaProject.bin": VBA_TYPE})
        assert refusal("care-plan.docx", data).rule == "upload_macros"

    def test_a_macro_enabled_content_type_alone_is_enough(self):
        assert refusal("budget.xlsx", ooxml("xlsx", main_type="application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                       ).rule == "upload_macros"

    def test_the_part_name_is_matched_whatever_its_case_or_folder(self):
        assert refusal("slides.pptx", ooxml("pptx", parts={"ppt/VBAProject.BIN": VBA_PROJECT})).rule == "upload_macros"

    def test_activex_controls_are_refused(self):
        data = ooxml("docx", parts={"word/activeX/activeX1.xml": b"<ax:ocx/>", "word/activeX/activeX1.bin": b"\x00" * 64},
                     overrides={"/word/activeX/activeX1.xml": "application/vnd.ms-office.activeX+xml"})
        assert refusal("form.docx", data).rule == "upload_macros"

    def test_opendocument_basic_macros_are_refused(self):
        data = odt({"Basic/Standard/Module1.xml": b"<script:module>Sub Main</script:module>"})
        assert refusal("notes.odt", data).rule == "upload_macros"


class TestEmbeddedPrograms:
    def test_a_docx_with_an_exe_inside_is_refused(self):
        data = ooxml("docx", parts={"word/embeddings/setup.exe": EXE_BYTES})
        error = refusal("handover.docx", data)
        assert error.rule == "upload_embedded_executable" and "has a program inside it" in error.message

    def test_a_program_is_found_by_its_content_whatever_the_part_is_called(self):
        data = ooxml("xlsx", parts={"xl/media/image2.png": ELF_BYTES})
        assert refusal("rota.xlsx", data).rule == "upload_embedded_executable"

    def test_a_program_wrapped_in_an_ole_package_is_found(self):
        data = ooxml("docx", parts={"word/embeddings/oleObject1.bin": ole_package("invoice.exe", EXE_BYTES)},
                     relationships=[(EMBED_REL, "embeddings/oleObject1.bin")])
        assert refusal("report.docx", data).rule == "upload_embedded_executable"

    @pytest.mark.parametrize("script", ["run.bat", "update.vbs", "install.ps1", "open.js"])
    def test_a_packaged_script_is_found_by_its_name(self, script):
        data = ooxml("docx", parts={"word/embeddings/oleObject1.bin": ole_package(script, b"echo hello\r\n")},
                     relationships=[(EMBED_REL, "embeddings/oleObject1.bin")])
        assert refusal("report.docx", data).rule == "upload_embedded_executable"

    def test_a_script_part_in_an_opendocument_is_refused(self):
        assert refusal("notes.odt", odt({"Pictures/helper.sh": b"#!/bin/sh\nrm -rf ~\n"})).rule == \
            "upload_embedded_executable"

    def test_a_document_that_unpacks_to_a_huge_size_is_refused_without_unpacking_it(self, monkeypatch):
        monkeypatch.setattr(uploads, "MAX_UNPACKED_BYTES", 4 * MB)  # the real limit is 256 MB; same rule
        buffer = io.BytesIO(ooxml("docx"))
        with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("word/media/blank.bin", b"\x00" * (4 * MB + 1))
        error = refusal("bomb.docx", buffer.getvalue())
        assert error.rule == "upload_too_large" and "unpacks to more than 4 MB" in error.message


class TestFileNames:
    @pytest.mark.parametrize("name", ["invoice\u202egpj.exe.txt", "photo\u202e.txt", "a\u2066b\u2069.pdf",
                                      "\u200fnotes.txt", "report\u061c.txt"])
    def test_names_with_bidirectional_controls_are_refused(self, name):
        error = refusal(name, b"plain words")
        assert error.rule == "upload_bad_filename" and "change the direction of the text" in error.message
        assert "\u202e" not in error.message

    def test_right_to_left_scripts_themselves_are_fine(self):
        assert check_upload("\u062a\u0642\u0631\u064a\u0631.txt", b"plain words", max_bytes=MB)[0] == \
            "\u062a\u0642\u0631\u064a\u0631.txt"


def test_a_refused_document_stores_nothing(db, tmp_path):
    owner = make_person("practitioner")
    evidence = log_evidence(owner)
    storage = LocalStorage(tmp_path / "store")
    with pytest.raises(UploadRefused):
        services.add_attachment(evidence, owner, filename="care-plan.docx", storage=storage, max_bytes=20 * MB,
                                data=ooxml("docx", parts={"word/vbaProject.bin": VBA_PROJECT}))
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_a_text_file_is_downloaded_with_one_charset(app, db, login, client):
    owner = make_person("practitioner")
    evidence = log_evidence(owner)
    attachment = services.add_attachment(evidence, owner, filename="notes.txt", data="Café visit notes".encode())
    db.session.commit()
    login(owner)

    response = client.get(f"/evidence/{evidence.id}/files/{attachment.id}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
