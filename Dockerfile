# One image for the Python services; `target: vectorizer` or `target: app` in docker-compose.yml.

FROM node:20-bookworm-slim AS page
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm AS python
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY facesearch/ facesearch/

FROM python AS vectorizer
EXPOSE 8080
HEALTHCHECK CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8080/.well-known/ready', timeout=3)"
CMD ["python", "-m", "uvicorn", "--factory", "facesearch.vectorizer.app:create_app", "--host", "0.0.0.0", "--port", "8080", "--workers", "2", "--no-access-log"]

FROM python AS app
COPY --from=page /frontend/dist frontend/dist
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/api/health', timeout=3)"
CMD ["python", "-m", "uvicorn", "--factory", "facesearch.api.app:create_app", "--host", "0.0.0.0", "--port", "8000"]
