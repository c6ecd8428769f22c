"""/v1/documents: document metadata, and one document's full text with its sections."""
from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from indexer.store import DocumentRecord

from ...mapping import document_detail, document_references, document_summary
from vnpolicy.models import DocumentDetail, DocumentList, DocumentReferences
from ..deps import BaseUrlDep, EngineDep, require_scope
from ..errors import NO_DOCUMENT, SEARCH_ERRORS

router = APIRouter(prefix="/v1/documents", tags=["documents"], dependencies=[require_scope("search")],
                   responses=SEARCH_ERRORS)
DOC_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}$")
DocId = Annotated[str, Path(description="from GET /v1/documents", examples=["ha-nam-kh-2811-2020"])]


def find_document(engine: EngineDep, doc_id: str) -> DocumentRecord:
    if not DOC_ID.match(doc_id):
        raise HTTPException(404, f"no document '{doc_id[:80]}': ids are lower-case letters, digits and '-' "
                                 "(see GET /v1/documents)")
    doc = engine.index.documents.get(doc_id)
    if doc is None:
        raise HTTPException(404, f"no document '{doc_id}' in the index (see GET /v1/documents for the ids)")
    return doc


@router.get("", response_model=DocumentList, summary="Danh sách văn bản đã lập chỉ mục")
def list_documents(engine: EngineDep, base: BaseUrlDep) -> DocumentList:
    docs = [document_summary(d, base) for d in engine.index.documents.values()]
    return DocumentList(count=len(docs), documents=docs)


@router.get("/{doc_id}", response_model=DocumentDetail, summary="Toàn văn một văn bản, kèm mục lục",
            responses=NO_DOCUMENT)
def get_document(doc_id: DocId, engine: EngineDep, base: BaseUrlDep) -> DocumentDetail:
    return document_detail(find_document(engine, doc_id), base)


@router.get("/{doc_id}/references", response_model=DocumentReferences,
            summary="Văn bản được dẫn chiếu và văn bản dẫn chiếu đến văn bản này (lược đồ)", responses=NO_DOCUMENT)
def get_references(doc_id: DocId, engine: EngineDep, base: BaseUrlDep) -> DocumentReferences:
    return document_references(find_document(engine, doc_id), engine.searcher.directives, base)
