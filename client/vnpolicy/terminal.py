"""Terminal commands over the API: ``search``, ``answer`` (streamed), ``compare`` (a table) and ``mcp`` (stdio).

``add_commands(subparsers, open_api)`` adds them to a parser; ``open_api(args)`` gives the client they use.
``vnpolicy`` (the service's command) opens the local index when no ``--url`` is given;
``vnpolicy-remote`` (this distribution's) always calls a service. Highlights are in colour on a terminal
and plain when piped (or with ``NO_COLOR``); ``--json`` prints the API's JSON for scripts.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TextIO

from .client import AsyncClient, FinalEvent, TokenEvent
from .errors import VnpolicyError
from .models import AnswerResponse, CompareResponse, Result, SearchResponse

ApiFromArgs = Callable[[argparse.Namespace], AbstractAsyncContextManager[AsyncClient]]
BOLD, DIM, HIGHLIGHT, RESET = "\033[1m", "\033[2m", "\033[1;33m", "\033[0m"
SNIPPET_CHARS = 420


def use_colour(stream: TextIO, choice: str = "auto") -> bool:
    if choice != "auto":
        return choice == "always"
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def highlighted(text: str, spans: list[tuple[int, int]], colour: bool) -> str:
    """``text`` with the spans in colour (or unchanged when not in colour)."""
    if not colour:
        return text
    out, at = [], 0
    for start, end in sorted(spans):
        start, end = max(start, at), min(end, len(text))
        if start < end:
            out += [text[at:start], HIGHLIGHT, text[start:end], RESET]
            at = end
    return "".join(out) + text[at:]


def snippet(result: Result, limit: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """Up to ``limit`` characters of the passage around its first highlight, spans moved to match."""
    spans = [(h.start, h.end) for h in result.highlights if 0 <= h.start < h.end <= len(result.text)]
    start = max(0, min((s for s, _ in spans), default=0) - limit // 4)
    start = 0 if start < limit // 4 else start
    text = result.text[start:start + limit]
    cut = [(s - start, e - start) for s, e in spans if s >= start and e <= start + limit]
    prefix, suffix = ("…" if start else ""), ("…" if start + limit < len(result.text) else "")
    shifted = [(s + len(prefix), e + len(prefix)) for s, e in cut]
    return prefix + " ".join(text.split("\n")) + suffix, shifted


def citation_line(result: Result) -> str:
    """'Kế hoạch 2811/KH-UBND · Quảng Trị · 2020-09-03 · trang 3'"""
    kind = " ".join(v for v in (result.doc_type, result.doc_number) if v) or result.doc_id
    place = result.locality or result.province
    page = None if result.page is None else (f"trang {result.page}" if result.page_end in (None, result.page)
                                             else f"trang {result.page}–{result.page_end}")
    return " · ".join(v for v in (kind, place, result.issued_date, page) if v)


def print_results(response: SearchResponse, out: TextIO, colour: bool) -> None:
    if response.not_found:
        print("Không tìm thấy đoạn văn bản nào trả lời câu hỏi (not found).", file=out)
        results, heading = response.near_misses, "Gần nhất (closest):"
        if results:
            print(heading, file=out)
    else:
        results = response.results
    for rank, result in enumerate(results, 1):
        text, spans = snippet(result)
        title = f"{BOLD}{citation_line(result)}{RESET}" if colour else citation_line(result)
        print(f"{rank}. {title}  [{result.score:.3f}]", file=out)
        section = " › ".join(result.section)
        where = f"   {section}  (ký tự {result.char_start}–{result.char_end})"
        print(f"{DIM}{where}{RESET}" if colour else where, file=out)
        print("   " + highlighted(text, spans, colour), file=out)
        print(f"   {result.url}", file=out)


def print_citations(answer: AnswerResponse, out: TextIO) -> None:
    if answer.abstained:
        return
    print("\nNguồn (sources):", file=out)
    for rank, citation in enumerate(answer.citations, 1):
        print(f"[{rank}] {citation_line(citation)} — {' › '.join(citation.section)}\n    {citation.url}", file=out)


def compare_table(response: CompareResponse) -> list[list[str]]:
    """Header and one line per target (or per locality without one)."""
    lines = [["Địa phương", "Tỉnh", "Chỉ tiêu", "Giá trị", "Năm", "Số hiệu", "Trang"]]
    for row in response.rows:
        place, province = row.locality or "", row.province or ""
        for t in row.targets or [None]:
            if t is None:
                lines.append([place, province, "(không có chỉ tiêu định lượng)", "", "", row.doc_number or "", ""])
                continue
            comparator = f"{t.comparator} " if t.comparator[-1:].isalpha() else t.comparator
            value = f"{comparator}{_number(t.value)}" + (f"–{_number(t.value_max)}" if t.value_max else "")
            lines.append([place, province, t.metric, f"{value} {t.unit}".strip(), str(t.year or ""),
                          row.doc_number or "", str(t.citation.page or "")])
    return lines


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def print_table(lines: list[list[str]], out: TextIO, colour: bool, max_width: int = 48) -> None:
    cells = [[c if len(c) <= max_width else c[:max_width - 1] + "…" for c in line] for line in lines]
    widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]
    for n, line in enumerate(cells):
        text = "  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip()
        print(f"{BOLD}{text}{RESET}" if colour and n == 0 else text, file=out)


async def run_search(api: AsyncClient, args: argparse.Namespace, out: TextIO) -> None:
    response = await api.search(args.query, k=args.k, filters=filters_of(args), mode=args.mode)
    if args.json:
        print(response.model_dump_json(indent=2), file=out)
    else:
        print_results(response, out, use_colour(out, args.color))


async def run_answer(api: AsyncClient, args: argparse.Namespace, out: TextIO) -> None:
    async for event in api.answer_stream(args.query, k=args.k, filters=filters_of(args), generator=args.generator):
        if isinstance(event, TokenEvent) and not args.json:
            print(event.text, end="", file=out, flush=True)
        elif isinstance(event, FinalEvent):
            if args.json:
                print(event.answer.model_dump_json(indent=2), file=out)
            else:
                print(file=out)
                print_citations(event.answer, out)


async def run_compare(api: AsyncClient, args: argparse.Namespace, out: TextIO) -> None:
    response = await api.compare(args.topic, localities=args.locality, province=args.province,
                                 province_now=args.province_now, implements=args.implements, sort=args.sort)
    if args.json:
        print(response.model_dump_json(indent=2), file=out)
    elif not response.rows:
        print("Không có kế hoạch nào nêu chỉ tiêu này (no plan states this target).", file=out)
    else:
        print_table(compare_table(response), out, use_colour(out, args.color))


async def run_mcp(api: AsyncClient, args: argparse.Namespace, out: TextIO) -> None:
    from .mcp import build_server, shared_client

    await build_server(shared_client(api)).run_stdio_async()


def filters_of(args: argparse.Namespace) -> dict[str, object]:
    names = ("province", "province_now", "level", "doc_type", "implements", "year_from", "year_to")
    return {n: getattr(args, n) for n in names if getattr(args, n, None) not in (None, [])}


def _common(parser: argparse.ArgumentParser, service_help: str) -> None:
    parser.add_argument("--url", help=service_help)
    parser.add_argument("--api-key", help="API key (default: VNPOLICY_API_KEY)")
    parser.add_argument("--json", action="store_true", help="print the API's JSON (for scripts)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour highlights (auto: on a terminal, not when piped or with NO_COLOR)")


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--k", type=int, default=5, help="how many passages (default 5)")
    parser.add_argument("--province", action="append", default=[], help="tỉnh as issued, e.g. 'Quảng Trị' (repeat)")
    parser.add_argument("--province-now", action="append", default=[], help="today's province (34 units)")
    parser.add_argument("--level", action="append", default=[], help="trung ương, bộ, tỉnh, sở, huyện, xã")
    parser.add_argument("--doc-type", action="append", default=[], help="e.g. 'Kế hoạch', 'Quyết định'")
    parser.add_argument("--implements", action="append", default=[], help="directive, e.g. '57-NQ/TW'")
    parser.add_argument("--year-from", type=int)
    parser.add_argument("--year-to", type=int)


COMMANDS = {"search": run_search, "answer": run_answer, "compare": run_compare, "mcp": run_mcp}


def add_commands(sub: argparse._SubParsersAction, open_api: ApiFromArgs, service_help: str) -> None:
    """The ``search``, ``answer``, ``compare`` and ``mcp`` sub-commands, each calling ``open_api(args)``."""
    p = sub.add_parser("search", help="ranked, cited passages for a question")
    p.add_argument("query")
    _filters(p)
    p.add_argument("--mode", choices=("hybrid", "dense", "lexical"), default="hybrid")
    p = sub.add_parser("answer", help="a short answer with its sources, streamed")
    p.add_argument("query")
    _filters(p)
    p.add_argument("--generator", choices=("extractive", "llm"), default="extractive")
    p = sub.add_parser("compare", help="one row per locality with its target, year and citation")
    p.add_argument("topic")
    p.add_argument("--locality", action="append", default=[], help="only these localities (repeat)")
    p.add_argument("--province", action="append", default=[])
    p.add_argument("--province-now", action="append", default=[])
    p.add_argument("--implements", action="append", default=[])
    p.add_argument("--sort", choices=("relevance", "value", "year"), default="relevance")
    p = sub.add_parser("mcp", help="serve the MCP tools over stdio (for an agent)")
    for name, parser in sub.choices.items():
        if name in COMMANDS:
            _common(parser, service_help)
            parser.set_defaults(func=lambda args: run_command(args, open_api))


def run_command(args: argparse.Namespace, open_api: ApiFromArgs, out: TextIO | None = None) -> int:
    """Run one command; a refused or failed call prints the service's message and exits 1."""
    async def run() -> None:
        async with open_api(args) as api:
            await COMMANDS[args.command](api, args, out or sys.stdout)

    try:
        asyncio.run(run())
    except VnpolicyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # piped into `head`, which has read enough: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 0


def remote_api(args: argparse.Namespace) -> AsyncClient:
    return AsyncClient(args.url, args.api_key)


def main(argv: list[str] | None = None) -> int:
    """``vnpolicy-remote``: the commands against a service (``--url`` or ``VNPOLICY_URL``)."""
    parser = argparse.ArgumentParser(prog="vnpolicy-remote", description="Search a vnpolicy service")
    sub = parser.add_subparsers(dest="command", required=True)
    add_commands(sub, remote_api, "service URL (default: VNPOLICY_URL or http://127.0.0.1:8000)")
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
