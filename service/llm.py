"""LLM answers through LangChain and any OpenAI-compatible chat endpoint (vLLM, Ollama,
llama.cpp server), set by ``VNPOLICY_LLM_BASE_URL`` / ``_MODEL`` / ``_API_KEY``.

The model sees numbered passages and must cite them as ``[n]``; afterwards every marker
is checked against the passages given, invalid ones are removed and the answer is
flagged. Timeouts and endpoint errors fall back to the extractive answer with a note.

``VNPOLICY_LLM_TIMEOUT`` bounds the whole generation, not each read: every call gets its own
HTTP client whose sockets may only wait for what is left of the limit, so an endpoint that
trickles a byte a second is cut off at the limit like one that says nothing.
"""
from __future__ import annotations

import re
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpcore
import httpx
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
        doc, passage = hit.document, hit.passage
        source = ", ".join(x for x in (doc.title, doc.locality, doc.doc_number) if x)
        blocks.append(f"[{n}] ({source}; mục: {' > '.join(passage.section)})\n{passage.text[:MAX_PASSAGE_CHARS]}")
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


class Deadline:
    """A point in time every socket operation of one LLM call must finish by."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def clip(self, timeout: float | None, error: type[Exception]) -> float:
        """``timeout`` shortened to what is left, or ``error`` once nothing is."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise error(f"the {self.seconds:g}-second LLM time limit is spent")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self.inner, self.deadline = inner, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, self.deadline.clip(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self.deadline.clip(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        tls = self.inner.start_tls(ssl_context, server_hostname, self.deadline.clip(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(tls, self.deadline)

    def get_extra_info(self, info: str):
        return self.inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sockets, each connect, read and write clipped to the call's deadline."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline, self.inner = deadline, httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        stream = self.inner.connect_tcp(host, port, self.deadline.clip(timeout, httpcore.ConnectTimeout),
                                        local_address, socket_options)
        return _DeadlineStream(stream, self.deadline)

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        stream = self.inner.connect_unix_socket(path, self.deadline.clip(timeout, httpcore.ConnectTimeout),
                                                socket_options)
        return _DeadlineStream(stream, self.deadline)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def deadline_client(deadline: Deadline, base_url: str, verify) -> httpx.Client:
    """An httpx client for one call; the environment's proxy for ``base_url`` is kept."""
    host = urlsplit(base_url).hostname or ""
    proxy = None if urllib.request.proxy_bypass(host) else urllib.request.getproxies().get(urlsplit(base_url).scheme)
    transport = httpx.HTTPTransport(verify=verify, proxy=proxy)
    transport._pool._network_backend = _DeadlineBackend(deadline)  # httpx exposes no backend option
    return httpx.Client(transport=transport, timeout=deadline.seconds)


class LLMGenerator:
    name = "llm"

    def __init__(self, base_url: str, model: str, api_key: str | None, timeout: float,
                 fallback: ExtractiveGenerator, max_tokens: int = 300) -> None:
        from langchain_openai import ChatOpenAI  # slow to import: at start, not on the first question

        self.chat_model = ChatOpenAI
        self.base_url, self.model, self.api_key, self.timeout = base_url, model, api_key, timeout
        self.max_tokens = max_tokens
        self.ssl_context = httpx.create_ssl_context()  # made once: per call it costs ~20 ms
        self.fallback = fallback

    @contextmanager
    def chat(self):
        """A chat model for one call, over a client that enforces ``timeout`` on the whole call."""
        client = deadline_client(Deadline(self.timeout), self.base_url, self.ssl_context)
        try:
            yield self.chat_model(base_url=self.base_url, model=self.model, api_key=self.api_key or "not-needed",
                                  timeout=self.timeout, max_retries=0, temperature=0, max_tokens=self.max_tokens,
                                  http_client=client)
        finally:
            client.close()

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

    def _failed(self, query: str, hits: list[Hit], exc: Exception) -> Answer:
        kind = type(exc).__name__
        if "Timeout" in kind:
            return self._fallback(query, hits, f"LLM endpoint did not answer within the {self.timeout:g}-second "
                                               f"limit ({kind}); extractive answer shown")
        return self._fallback(query, hits, f"LLM endpoint failed ({kind}); extractive answer shown")

    def answer(self, query: str, hits: list[Hit]) -> Answer:
        if not hits:
            return Answer(NOT_FOUND, [], True, generator=self.name)
        try:
            with self.chat() as chat:
                raw = chat.invoke(build_messages(query, hits)).content
        except Exception as exc:  # endpoint down, time limit, protocol error: never a 500
            return self._failed(query, hits, exc)
        return self.finish(query, str(raw), hits)

    def stream(self, query: str, hits: list[Hit]) -> Iterator[str | Answer]:
        if not hits:
            yield Answer(NOT_FOUND, [], True, generator=self.name)
            return
        parts: list[str] = []
        try:
            with self.chat() as chat:
                for chunk in chat.stream(build_messages(query, hits)):
                    token = str(chunk.content)
                    if token:
                        parts.append(token)
                        yield token
        except Exception as exc:  # mid-stream failure: the final event carries the fallback answer
            yield self._failed(query, hits, exc)
            return
        yield self.finish(query, "".join(parts), hits)
