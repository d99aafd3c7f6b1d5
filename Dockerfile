# fusecap worker image: Node.js for the pipeline, Python for the BLIP trainer, Java for METEOR.
FROM node:20-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv default-jre-headless fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# onnxruntime-node's postinstall fetches CUDA files; the CPU binary ships in the package.
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci
COPY trainer/requirements.txt trainer/requirements.txt
RUN python3 -m venv .venv && .venv/bin/pip install --no-cache-dir -r trainer/requirements.txt
COPY . .
ENV ONNXRUNTIME_NODE_INSTALL=skip
# Workflows bundled once here, as Temporal's production sample does; workers load the file.
RUN node --import tsx scripts/build-workflow-bundle.ts /app/dist/workflow-bundle.js
ENV FUSECAP_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
CMD ["node", "bin/fusecap.js", "worker"]
