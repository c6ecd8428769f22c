"""/v1/documents: document metadata, and one document's full text with its sections."""
from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException

from ...schemas import DocumentDetail, DocumentList, DocumentSummary, Section
from ..deps import BaseUrlDep, EngineDep, require_scope

router = APIRouter(prefix="/v1/documents", tags=["documents"], dependencies=[require_scope("search")])
DOC_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}$")


def summary(doc: dict, base: str) -> dict:
    fields = {name: doc.get(name) for name in DocumentSummary.model_fields if name != "url"}
    fields["missing"] = doc.get("missing") or []
    fields["ocr_pages"] = doc.get("ocr_pages") or []
    fields["url"] = f"{base}/view/{doc['doc_id']}"
    return fields


def find_document(engine: EngineDep, doc_id: str) -> dict:
    if not DOC_ID.match(doc_id):
        raise HTTPException(404, f"no document '{doc_id[:80]}': ids are lower-case letters, digits and '-' "
                                 "(see GET /v1/documents)")
    doc = engine.index.documents.get(doc_id)
    if doc is None:
        raise HTTPException(404, f"no document '{doc_id}' in the index (see GET /v1/documents for the ids)")
    return doc


@router.get("", response_model=DocumentList, summary="Danh sách văn bản đã lập chỉ mục")
def list_documents(engine: EngineDep, base: BaseUrlDep) -> DocumentList:
    docs = [DocumentSummary(**summary(d, base)) for d in engine.index.documents.values()]
    return DocumentList(count=len(docs), documents=docs)


@router.get("/{doc_id}", response_model=DocumentDetail, summary="Toàn văn một văn bản, kèm mục lục")
def get_document(doc_id: str, engine: EngineDep, base: BaseUrlDep) -> DocumentDetail:
    doc = find_document(engine, doc_id)
    return DocumentDetail(
        **summary(doc, base), text=doc["text"], page_starts=doc.get("page_starts"),
        sections=[Section(**s) for s in doc.get("sections", [])], recipients=doc.get("recipients") or [])
