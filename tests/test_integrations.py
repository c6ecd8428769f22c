"""The integrations against a real server: LangChain (a real LCEL chain; a stand-in chat model at the LLM
edge only), LlamaIndex, the MCP server over streamable HTTP (``/mcp``) and stdio (``vnpolicy mcp``) with
the SDK's own client, and the terminal commands."""
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from vnpolicy.models import SearchResponse

from .conftest import SEARCH_KEY

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Chi Lăng hỗ trợ bao nhiêu cơ sở ứng dụng khoa học công nghệ đến năm 2030?"
TOPIC = "tỷ lệ sản phẩm chủ lực được bảo hộ sở hữu trí tuệ"
CITATION_KEYS = {"doc_id", "doc_number", "title", "section", "page", "char_start", "char_end", "url", "locality",
                 "province", "issued_date"}


# LangChain ---------------------------------------------------------------------------------------------------
def citing_chat_model():
    """Stand-in at the LLM edge: replies with the first line of the prompt's passage [1] and cites it."""
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.outputs import ChatGeneration, ChatResult

    class CitingStandIn(BaseChatModel):
        def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
            prompt = messages[-1].content
            first = prompt.split("[1]", 1)[1].split("\n")[2]  # the line after passage [1]'s citation line
            return ChatResult(generations=[ChatGeneration(message=AIMessage(content=f"{first} [1]"))])

        @property
        def _llm_type(self) -> str:
            return "citing-stand-in"

    return CitingStandIn()


def format_passages(docs) -> str:
    return "\n\n".join(f"[{i}] {d.metadata['locality']} · {' › '.join(d.metadata['section'])} · trang "
                       f"{d.metadata['page']}\n{d.page_content}" for i, d in enumerate(docs, 1))


def test_langchain_retriever_in_an_lcel_chain(keyed_server):
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import RunnablePassthrough

    from vnpolicy.langchain import VnpolicyRetriever

    retriever = VnpolicyRetriever(base_url=keyed_server, api_key=SEARCH_KEY, k=3, filters={"locality": ["Chi Lăng"]})
    docs = retriever.invoke(QUESTION)
    assert 1 <= len(docs) <= 3 and all(d.metadata["locality"] == "Chi Lăng" for d in docs)
    assert CITATION_KEYS <= set(docs[0].metadata) and docs[0].metadata["url"].startswith(keyed_server)
    text = docs[0].page_content
    start, end = docs[0].metadata["highlights"][0]
    assert text[start:end].strip()
    prompt = ChatPromptTemplate.from_template("Trả lời dựa trên các đoạn sau, ghi nguồn [n].\n\n{context}\n\n"
                                              "Câu hỏi: {question}")
    chain = ({"context": retriever | format_passages, "question": RunnablePassthrough()} | prompt
             | citing_chat_model() | StrOutputParser())
    answer = chain.invoke(QUESTION)
    assert answer.endswith("[1]") and answer[:-4] in docs[0].page_content


@pytest.mark.anyio
async def test_langchain_retriever_async_and_a_bad_filter(keyed_server):
    from vnpolicy.errors import InvalidRequest
    from vnpolicy.langchain import VnpolicyRetriever

    retriever = VnpolicyRetriever(base_url=keyed_server, api_key=SEARCH_KEY, k=2)
    assert len(await retriever.ainvoke(TOPIC)) == 2
    with pytest.raises(InvalidRequest, match="level"):
        VnpolicyRetriever(base_url=keyed_server, api_key=SEARCH_KEY, filters={"level": "thôn"}).invoke(TOPIC)


# LlamaIndex --------------------------------------------------------------------------------------------------
def test_llama_index_retriever_and_query_engine(keyed_server):
    from llama_index.core.llms import MockLLM
    from llama_index.core.query_engine import RetrieverQueryEngine

    from vnpolicy.llama_index import VnpolicyRetriever

    retriever = VnpolicyRetriever(base_url=keyed_server, api_key=SEARCH_KEY, k=3,
                                  filters={"province": "Quảng Trị"})
    nodes = retriever.retrieve(TOPIC)
    assert nodes and all(n.node.metadata["province"] == "Quảng Trị" for n in nodes)
    assert CITATION_KEYS <= set(nodes[0].node.metadata) and nodes[0].score > 0
    assert nodes[0].node.node_id == nodes[0].node.metadata["chunk_id"]
    engine = RetrieverQueryEngine.from_args(retriever, llm=MockLLM(max_tokens=8))
    response = engine.query(TOPIC)
    assert [n.node.node_id for n in response.source_nodes] == [n.node.node_id for n in nodes]


# MCP ---------------------------------------------------------------------------------------------------------
TOOL_CALLS = {
    "search": {"query": TOPIC, "k": 3, "filters": {"province": ["Quảng Trị"]}},
    "answer": {"query": QUESTION},
    "compare": {"topic": TOPIC},
    "get_document": {"doc_id": "chi-lang-kh-kl69-khcn", "max_chars": 500},
    "directives": {"ref": "69-KL/TW"},
}


def check_tool_results(results: dict) -> None:
    """The citations come back from every tool."""
    search = results["search"]
    assert search["results"] and {r["province"] for r in search["results"]} == {"Quảng Trị"}
    assert CITATION_KEYS <= set(search["results"][0])
    answer = results["answer"]
    assert not answer["abstained"] and "10 cơ sở" in answer["answer"] and answer["citations"][0]["url"]
    targets = [t for row in results["compare"]["rows"] for t in row["targets"]]
    assert any(t["year"] == 2030 and t["citation"]["doc_id"] for t in targets)
    document = results["get_document"]
    assert document["doc_id"] == "chi-lang-kh-kl69-khcn" and len(document["text"]) == 500 and document["sections"]
    assert any(d["doc_id"] == "chi-lang-kh-kl69-khcn" for d in results["directives"]["documents"])


async def exercise(client) -> dict:
    listed = (await client.list_tools()).tools
    tools = {t.name: t for t in listed}
    assert set(tools) == set(TOOL_CALLS)
    for tool in listed:
        assert " / " in tool.description and tool.input_schema["type"] == "object" and tool.output_schema
    assert "filters" in tools["search"].input_schema["properties"]
    results = {}
    for name, arguments in TOOL_CALLS.items():
        result = await client.call_tool(name, arguments)
        assert not result.is_error, result.content
        results[name] = result.structured_content
    missing = await client.call_tool("get_document", {"doc_id": "no-such-doc"})
    assert missing.is_error and "no document 'no-such-doc'" in missing.content[0].text
    return results


@pytest.mark.anyio
async def test_mcp_over_streamable_http_on_the_app(keyed_server):
    from mcp.client.client import Client as McpClient
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    http = create_mcp_http_client(headers={"X-API-Key": SEARCH_KEY})
    async with McpClient(streamable_http_client(keyed_server + "/mcp", http_client=http)) as client:
        check_tool_results(await exercise(client))
    refused = httpx.post(keyed_server + "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert refused.status_code == 401 and "API key" in refused.json()["detail"]


@pytest.mark.anyio
async def test_mcp_over_stdio_with_the_local_index(seed_index):
    from mcp.client.client import Client as McpClient
    from mcp.client.stdio import StdioServerParameters

    server = StdioServerParameters(command=sys.executable, args=["-m", "service.cli", "mcp"], cwd=str(ROOT),
                                   env={"VNPOLICY_INDEX_DIR": str(seed_index), "PYTHONPATH": str(ROOT),
                                        "VNPOLICY_MODEL_CACHE": os.environ.get("VNPOLICY_MODEL_CACHE", "")})
    async with McpClient(server, read_timeout_seconds=120) as client:
        check_tool_results(await exercise(client))


def test_mcp_counts_against_the_same_rate_limit_once_per_call_on_any_host(engine):
    """Burst 2: two tool calls pass (their in-process API calls are not counted again), the third is a 429;
    the test client's host, 'testserver', is not localhost."""
    from fastapi.testclient import TestClient

    from service.config import Settings
    from service.main import create_app

    settings = Settings(index_dir=engine.index.path, rate_limit_per_minute=1, rate_limit_burst=2)
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "search", "arguments": {"query": TOPIC, "k": 1}}}
    headers = {"Accept": "application/json, text/event-stream"}
    with TestClient(create_app(settings, engine=engine)) as client:
        answers = [client.post("/mcp", json=call, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert json.loads(answers[0].json()["result"]["content"][0]["text"])["results"]
    assert answers[2].headers["Retry-After"]


# Terminal ----------------------------------------------------------------------------------------------------
def vnpolicy(*args: str, env: dict | None = None, module: str = "service.cli") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=180, env=os.environ | {"PYTHONPATH": str(ROOT), "VNPOLICY_API_KEY": SEARCH_KEY}
                          | (env or {}))


def test_terminal_search_plain_when_piped_colour_when_asked_json_for_scripts(keyed_server):
    plain = vnpolicy("search", TOPIC, "--province", "Quảng Trị", "--k", "2", "--url", keyed_server)
    assert plain.returncode == 0, plain.stderr
    assert "\033[" not in plain.stdout and plain.stdout.startswith("1. ") and "Quảng Trị" in plain.stdout
    assert f"{keyed_server}/view/" in plain.stdout and "2. " in plain.stdout
    coloured = vnpolicy("search", TOPIC, "--k", "2", "--url", keyed_server, "--color", "always")
    assert "\033[1;33m" in coloured.stdout
    scripted = vnpolicy("search", TOPIC, "--k", "2", "--url", keyed_server, "--json")
    assert len(SearchResponse.model_validate_json(scripted.stdout).results) == 2


def test_terminal_answer_streams_then_cites_and_compare_prints_the_table(keyed_server):
    answered = vnpolicy("answer", QUESTION, "--url", keyed_server)
    assert answered.returncode == 0 and "10 cơ sở" in answered.stdout and "Nguồn (sources):" in answered.stdout
    assert json.loads(vnpolicy("answer", QUESTION, "--url", keyed_server, "--json").stdout)["citations"]
    table = vnpolicy("compare", TOPIC, "--url", keyed_server).stdout.splitlines()
    assert table[0].split()[:2] == ["Địa", "phương"] and any("2030" in line for line in table[1:])


def test_terminal_output_piped_into_head_ends_quietly(keyed_server):
    command = (f"{sys.executable} -m service.cli search '{TOPIC}' --k 5 --url {keyed_server} | head -1")
    run = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, cwd=ROOT,
                         env=os.environ | {"PYTHONPATH": str(ROOT), "VNPOLICY_API_KEY": SEARCH_KEY}, timeout=180)
    assert run.stdout.startswith("1. ") and "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr


def test_terminal_errors_and_the_remote_only_command(keyed_server):
    refused = vnpolicy("search", TOPIC, "--url", keyed_server, "--api-key", "wrong")
    assert refused.returncode == 1 and refused.stderr.startswith("error: 403")
    remote = vnpolicy("search", TOPIC, "--k", "1", "--json", env={"VNPOLICY_URL": keyed_server},
                      module="vnpolicy.terminal")
    assert remote.returncode == 0 and len(json.loads(remote.stdout)["results"]) == 1


def test_terminal_search_on_the_local_index(seed_index):
    local = vnpolicy("search", "so huu tri tue san pham chu luc", "--k", "1",
                     env={"VNPOLICY_INDEX_DIR": str(seed_index), "VNPOLICY_API_KEY": ""})
    assert local.returncode == 0, local.stderr
    assert local.stdout.startswith("1. ") and "http://localhost:8000/view/" in local.stdout
