# Teller: web chat + API on one port. Build: docker build -t teller .
# For a CPU-only image, pass PyTorch's CPU wheel index: --build-arg PIP_EXTRA_INDEX_URL=<index>
FROM python:3.11-slim AS runtime

ARG PIP_EXTRA_INDEX_URL=""
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_EXTRA_INDEX_URL=${PIP_EXTRA_INDEX_URL} \
    HF_HUB_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    TELLER_DATA_DIR=/data \
    TELLER_ENVIRONMENT=production \
    TELLER_HOST=0.0.0.0 \
    TELLER_PORT=8000

RUN groupadd --system teller && useradd --system --gid teller --home-dir /app teller
WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN mkdir -p bot training ui knowledge_base \
    && touch bot/__init__.py training/__init__.py ui/__init__.py knowledge_base/__init__.py \
    && pip install . \
    && pip uninstall -y teller \
    && rm -rf bot training ui knowledge_base

COPY bot ./bot
COPY training ./training
COPY ui ./ui
COPY knowledge_base ./knowledge_base
COPY NOTICE ./
RUN pip install --no-deps . \
    && mkdir -p /data && chown teller:teller /data

# The default intent model (the KB's examples and the BANKING77 training split shipped with
# it) is fine-tuned at build time, so a container answers with it at once; on 2 CPU cores
# this step takes about 20 minutes. `--build-arg TRAIN_AT_BUILD=0` skips it: the container
# then answers within seconds on a frozen-encoder model and fine-tunes in the background.
ARG TRAIN_AT_BUILD=1
RUN if [ "$TRAIN_AT_BUILD" = "1" ]; then teller train && chown -R teller:teller /data; fi

USER teller
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=300s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

# Without a model in /data (TRAIN_AT_BUILD=0, or an empty volume mounted over it) the server
# answers at once on a frozen-encoder model and swaps in the fine-tuned one when it is ready.
# Mount /data to keep the models, and the conversations, across runs.
CMD ["teller", "serve"]
