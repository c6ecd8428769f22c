# vnpolicy: install, bake the index of corpus/ into the image, serve on 8000.
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1 VNPOLICY_INDEX_DIR=/app/var/index VNPOLICY_MODEL_CACHE=/app/var/models
WORKDIR /app

RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-vie \
    && rm -rf /var/lib/apt/lists/*

RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
COPY client ./client
RUN pip install './client[mcp]'
COPY pyproject.toml README.md ./
COPY indexer ./indexer
COPY service ./service
RUN pip install .

COPY corpus ./corpus
RUN vnpolicy index || [ $? -eq 2 ]

EXPOSE 8000
CMD ["vnpolicy", "serve", "--host", "0.0.0.0", "--port", "8000"]
