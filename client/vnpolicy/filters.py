"""``Filters``: which documents a search, answer or comparison may use, and the validators the request
models share (visible text, one-or-many values, level and issuer-kind spellings with or without accents)."""
from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


# Shown as nothing, or as a stand-in for a character lost: replacement and object characters,
# Hangul fillers, the blank Braille pattern. Categories C* (control, format such as U+200B or
# U+202E, private, unassigned), Z* (spaces) and lone combining marks are invisible too.
_INVISIBLE = frozenset("\ufffd\ufffc\u3164\u115f\u1160\uffa0\u2800")


def has_visible_text(value: str) -> bool:
    """Whether ``value`` has at least one character a reader could see and search for."""
    return any(unicodedata.category(c)[0] not in "CZ" and unicodedata.category(c) not in ("Mn", "Me")
               and c not in _INVISIBLE and not c.isspace() for c in value)


def not_blank(name: str):
    """A field validator: the same 422 as an empty value for whitespace, control or invisible characters only."""
    def validate(value: str) -> str:
        if not has_visible_text(value):
            raise ValueError(f"{name} must contain text, not only whitespace, control or invisible characters")
        return value
    return validate


def as_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return value


LEVELS = ("trung ương", "bộ", "tỉnh", "sở", "huyện", "xã")
ISSUER_KINDS = ("party", "state")
# The accepted spellings of the levels and issuer kinds, compared after case folding: with or
# without accents ("Đảng", "dang", "chinh quyen" all map).
_LEVEL_SPELLINGS = {**{v: v for v in LEVELS}, "trung uong": "trung ương", "bo": "bộ", "tinh": "tỉnh",
                    "so": "sở", "huyen": "huyện", "xa": "xã"}
_ISSUER_KIND_SPELLINGS = {"party": "party", "state": "state", "đảng": "party", "dang": "party",
                          "chính quyền": "state", "chinh quyen": "state"}


def _spelling_key(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


def _one_of(field: str, allowed: tuple[str, ...], spellings: dict[str, str], extra: str = ""):
    """A before-validator: each value, in any of its ``spellings``, becomes its canonical one."""
    def validate(value: Any) -> Any:
        values = as_list(value)
        if not isinstance(values, list):
            return values  # the list type reports it
        out = []
        for v in values:
            canonical = spellings.get(_spelling_key(v)) if isinstance(v, str) else None
            if canonical is None:
                raise ValueError(f"{field} {v!r} is not one of: {', '.join(allowed)}{extra}")
            out.append(canonical)
        return out
    return validate


class Filters(BaseModel):
    """Restrict the search to some documents. Text fields match ignoring case and accents; a document
    passes when it matches any value of each filter given (and every filter given)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"province": ["Quảng Trị"], "year_from": 2020},
        {"doc_type": ["Quyết định", "Kế hoạch"], "issuer_kind": ["state"], "province_now": ["Ninh Bình"]}]})

    province: list[str] = Field(default_factory=list, description=(
        "Tỉnh as when the document was issued, e.g. 'Hà Nam' (a former province keeps its documents)"))
    province_now: list[str] = Field(default_factory=list, description=(
        "Tỉnh/thành phố hiện nay (the 34 units since 1 July 2025), e.g. 'Ninh Bình': also finds the documents "
        "of the former provinces it absorbed (Hà Nam, Nam Định)"))
    locality: list[str] = Field(default_factory=list, description="Địa phương ban hành, e.g. 'Chi Lăng'")
    level: list[Literal["trung ương", "bộ", "tỉnh", "sở", "huyện", "xã"]] = Field(default_factory=list)
    doc_type: list[str] = Field(default_factory=list, description="Loại văn bản, e.g. 'Quyết định', 'Kế hoạch'")
    issuer: list[str] = Field(default_factory=list, description=(
        "Cơ quan ban hành: the issuer, or whole words of it, e.g. 'UBND tỉnh Đồng Tháp', 'Sở Tư pháp'"))
    issuer_kind: list[Literal["party", "state"]] = Field(default_factory=list, description=(
        "'party' (also 'đảng') or 'state' (also 'chính quyền')"))
    doc_number: list[str] = Field(default_factory=list, description="Số hiệu, e.g. '2811/KH-UBND'")
    doc_id: list[str] = Field(default_factory=list)
    implements: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=20, description=(
        "Documents implementing (or based on) this directive: 'Nghị quyết 57-NQ/TW', '57-NQ/TW', a law's name"))
    year: list[Annotated[int, Field(ge=1900, le=2100)]] = Field(default_factory=list, description=(
        "Năm ban hành, any of these (the facet 'year'); year_from/year_to give a range"))
    year_from: int | None = Field(default=None, ge=1900, le=2100)
    year_to: int | None = Field(default=None, ge=1900, le=2100)

    _lists = field_validator("province", "province_now", "locality", "doc_type", "issuer", "doc_number", "doc_id",
                             "implements", mode="before")(as_list)
    _level = field_validator("level", mode="before")(_one_of("level", LEVELS, _LEVEL_SPELLINGS))
    _issuer_kind = field_validator("issuer_kind", mode="before")(
        _one_of("issuer_kind", ISSUER_KINDS, _ISSUER_KIND_SPELLINGS, " (or 'đảng', 'chính quyền')"))

    @model_validator(mode="after")
    def _years_in_order(self) -> "Filters":
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise ValueError("year_from must not be after year_to")
        return self
