"""LLM answers through LangChain and any OpenAI-compatible chat endpoint (vLLM, Ollama,
llama.cpp server), set by ``VNPOLICY_LLM_BASE_URL`` / ``_MODEL`` / ``_API_KEY``.

The model sees numbered passages and must cite them as ``[n]``; afterwards every marker
is checked against the passages given, invalid ones are removed and the answer is
flagged. Timeouts and endpoint errors fall back to the extractive answer with a note.
"""
from __future__ import annotations

import re
from typing import Iterator

from langchain_core.messages import HumanMessage, SystemMessage

from .answering import NOT_FOUND, Answer, ExtractiveGenerator
from .retrieval import Hit

SYSTEM_PROMPT = (
    "Bạn là trợ lý tra cứu văn bản kế hoạch khoa học và công nghệ của các địa phương Việt Nam. "
    "Chỉ trả lời dựa trên các đoạn trích được đánh số bên dưới. Trả lời ngắn gọn bằng tiếng Việt, "
    "tối đa ba câu; mỗi câu phải kết thúc bằng số thứ tự đoạn trích làm căn cứ, ví dụ [1] hoặc [2]. "
    "Giữ nguyên các con số, tỷ lệ và năm như trong đoạn trích. Nếu các đoạn trích không chứa câu trả lời, "
    f"chỉ trả lời đúng câu: \"{NOT_FOUND}\""
)
_MARKER = re.compile(r"\[(\d+)\]")
MAX_PASSAGE_CHARS = 1200


def build_messages(query: str, hits: list[Hit]) -> list:
    blocks = []
    for n, hit in enumerate(hits, start=1):
        doc = hit.document
        source = ", ".join(x for x in (doc.get("title"), doc.get("locality"), doc.get("doc_number")) if x)
        blocks.append(f"[{n}] ({source}; mục: {' > '.join(hit.chunk['section'])})\n{hit.chunk['text'][:MAX_PASSAGE_CHARS]}")
    user = "Các đoạn trích:\n\n" + "\n\n".join(blocks) + f"\n\nCâu hỏi: {query}\nTrả lời:"
    return [SystemMessage(SYSTEM_PROMPT), HumanMessage(user)]


def check_citations(text: str, n_passages: int) -> tuple[str, list[int], bool]:
    """(text without invalid markers, valid passage numbers in order, whether any was removed)."""
    valid: list[int] = []
    removed = False

    def keep(match: re.Match[str]) -> str:
        nonlocal removed
        n = int(match.group(1))
        if 1 <= n <= n_passages:
            if n not in valid:
                valid.append(n)
            return match.group(0)
        removed = True
        return ""

    cleaned = _MARKER.sub(keep, text)
    return re.sub(r"\s+([.,;])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip(), valid, removed


def renumber(text: str, valid: list[int]) -> str:
    """Markers renumbered to index the returned citations list (only cited passages are returned)."""
    mapping = {old: new for new, old in enumerate(valid, start=1)}
    return _MARKER.sub(lambda m: f"[{mapping[int(m.group(1))]}]", text)


class LLMGenerator:
    name = "llm"

    def __init__(self, base_url: str, model: str, api_key: str | None, timeout: float,
                 fallback: ExtractiveGenerator, max_tokens: int = 300) -> None:
        from langchain_openai import ChatOpenAI

        self.chat = ChatOpenAI(base_url=base_url, model=model, api_key=api_key or "not-needed", timeout=timeout,
                               max_retries=0, temperature=0, max_tokens=max_tokens)
        self.fallback = fallback

    def finish(self, query: str, raw: str, hits: list[Hit]) -> Answer:
        text, valid, removed = check_citations(raw, len(hits))
        if NOT_FOUND.rstrip(".").lower() in text.lower() or "không tìm thấy" in text.lower():
            return Answer(NOT_FOUND, [], True, generator=self.name)
        if not valid:
            return self._fallback(query, hits, "the model's answer cited no passage; extractive answer shown")
        note = "invalid citation markers were removed from the model's answer" if removed else None
        return Answer(renumber(text, valid), [hits[n - 1] for n in valid], False, generator=self.name,
                      flagged=removed, note=note)

    def _fallback(self, query: str, hits: list[Hit], note: str) -> Answer:
        answer = self.fallback.answer(query, hits)
        answer.note = note
        return answer

    def answer(self, query: str, hits: list[Hit]) -> Answer:
        if not hits:
            return Answer(NOT_FOUND, [], True, generator=self.name)
        try:
            raw = self.chat.invoke(build_messages(query, hits)).content
        except Exception as exc:  # endpoint down, timeout, protocol error: never a 500
            return self._fallback(query, hits, f"LLM endpoint failed ({type(exc).__name__}); extractive answer shown")
        return self.finish(query, str(raw), hits)

    def stream(self, query: str, hits: list[Hit]) -> Iterator[str | Answer]:
        if not hits:
            yield Answer(NOT_FOUND, [], True, generator=self.name)
            return
        parts: list[str] = []
        try:
            for chunk in self.chat.stream(build_messages(query, hits)):
                token = str(chunk.content)
                if token:
                    parts.append(token)
                    yield token
        except Exception as exc:  # mid-stream failure: the final event carries the fallback answer
            yield self._fallback(query, hits, f"LLM endpoint failed ({type(exc).__name__}); extractive answer shown")
            return
        yield self.finish(query, "".join(parts), hits)
