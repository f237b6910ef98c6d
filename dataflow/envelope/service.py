"""``dataflow models serve``: one FastAPI app serving every deployment rule of a registry.

For each rule, the newest model matching its query and required tags answers ``POST <path>``
(and ``GET <path>/metadata``). A background thread polls ``registry.revision()`` and the rules;
when the selection changes it loads the new model off the request path and swaps the rule's
routes in one assignment: a request already running finishes on the model it started with.

``export_service(rule, directory)`` writes a deployable directory for one rule: the model file,
``service.py`` (:mod:`dataflow.envelope.http`, which needs no dataflow), ``requirements.txt``
and a ``Dockerfile``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import json
import logging
import pathlib
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, HTTPException, Response
from fastapi.routing import APIRoute

from dataflow.envelope import http
from dataflow.envelope.model import InputSchemaError, LoadedModel
from dataflow.envelope.rules import Rule, RuleError, get_rule, rules
from dataflow.errors import DataflowError
from dataflow.io.utils import atomic_path

if TYPE_CHECKING:
    from dataflow.envelope.registry import Registry

log = logging.getLogger(__name__)

SERVICE_REQUIREMENTS = ("fastapi", "uvicorn", "pydantic", "pandas", "cloudpickle")
"""What the exported service itself imports (pinned to the versions installed here)."""


@dataclass
class Deployment:
    """What one rule serves now."""

    rule: Rule
    model_id: int | None
    routes: list[APIRoute]
    reason: str | None = None
    """Why nothing is served (no matching model, or the newest failed to load)."""
    loaded_at: dt.datetime | None = None

    def record(self) -> dict[str, Any]:
        return {**self.rule.record(), "model_id": self.model_id,
                "status": "serving" if self.model_id is not None else "unavailable",
                "reason": self.reason,
                "loaded_at": self.loaded_at.isoformat() if self.loaded_at else None}


def metadata_of(loaded: LoadedModel, rule: Rule) -> dict[str, Any]:
    envelope = loaded.envelope
    return {"rule": rule.record(), "model_id": envelope.id, "description": envelope.description,
            "tags": envelope.tags, "created_at": envelope.created_at.isoformat(),
            "input_schema": envelope.input_schema, "output_kind": envelope.output_kind,
            "output_schema": envelope.output_schema, "requirements": envelope.requirements}


def _refuse(error: Exception) -> Exception | None:
    if isinstance(error, InputSchemaError):
        return HTTPException(status_code=422, detail=str(error))
    return None


class ModelService:
    """The app and the thread that keeps it serving the newest model of every rule."""

    def __init__(self, registry: Registry, poll_interval: float = 1.0) -> None:
        self.registry = registry
        self.poll_interval = poll_interval
        self.deployments: dict[str, Deployment] = {}
        self._seen: tuple[int, list[Rule]] | None = None
        self.registry_error: str | None = None
        """Why the last look at the registry failed (``None`` once one succeeds)."""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.app = FastAPI(title="dataflow models",
                           description="Every deployment rule of the registry "
                                       f"{registry!r}, each serving its newest matching model.",
                           lifespan=self._lifespan)
        self._fixed = list(self.app.router.routes)
        self._add_fixed_routes()
        self._fixed = list(self.app.router.routes)
        self.refresh()

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        self.start()  # polling while the server runs
        try:
            yield
        finally:
            self.stop()

    def _add_fixed_routes(self) -> None:
        @self.app.get("/health", tags=["service"],
                      responses={503: {"description": "Not ready: the reason says why"}})
        def health(response: Response) -> dict[str, Any]:
            serving = {name: d.model_id for name, d in self.deployments.items()}
            reasons = self.not_ready()
            if reasons:
                response.status_code = 503
                return {"status": "unavailable", "reason": " ".join(reasons), "rules": serving}
            return {"status": "ok", "rules": serving}

        @self.app.get("/rules", tags=["service"])
        def list_rules() -> list[dict[str, Any]]:
            return [d.record() for d in self.deployments.values()]

    def not_ready(self) -> list[str]:
        """Why the service cannot answer every rule now (empty when it can): the registry
        could not be read at the last look, there are no rules, or a rule has no model to serve
        (none matches, or the newest failed to load)."""
        reasons = []
        if self.registry_error is not None:
            reasons.append(self.registry_error)
        if not self.deployments:
            reasons.append(f"no deployment rules in {self.registry!r}: deploy one "
                           "(envelope.deploy, or dataflow models deploy).")
        reasons.extend(d.reason or f"rule {name!r} serves no model."
                       for name, d in self.deployments.items() if d.model_id is None)
        return reasons

    # --- keeping up with the registry --------------------------------------------------------

    def refresh(self) -> bool:
        """Look at the registry once; swap in what changed. True if anything did."""
        with self._lock:
            revision = self.registry.revision()
            current = rules(self.registry)
            if self._seen is not None and self._seen == (revision, current):
                return False
            changed = False
            updated: dict[str, Deployment] = {}
            for rule in current:
                old = self.deployments.get(rule.name)
                new = self._deployment(rule, old)
                changed |= new is not old
                updated[rule.name] = new
            changed |= set(updated) != set(self.deployments)
            if changed:
                routes = list(self._fixed)
                for deployment in updated.values():
                    routes.extend(deployment.routes)
                # one assignment: a request being routed holds the old list
                self.app.router.routes = routes  # type: ignore[assignment]
                self.deployments = updated
                self.app.openapi_schema = None
            self._seen = (revision, current)
            return changed

    def _deployment(self, rule: Rule, old: Deployment | None) -> Deployment:
        try:
            record = rule.select(self.registry)
        except DataflowError as error:
            return Deployment(rule, None, http.unavailable_routes(rule.name, rule.path,
                                                                  str(error)), str(error))
        same_rule = old is not None and old.rule == rule
        if record is None:
            reason = rule.why_nothing(self.registry)
            if same_rule and old is not None and old.model_id is None and old.reason == reason:
                return old
            return Deployment(rule, None, http.unavailable_routes(rule.name, rule.path, reason),
                              reason)
        if same_rule and old is not None and old.model_id == record.id:
            return old
        try:
            loaded = self.registry.load(record.id)  # off the request path
            served = http.Served(rule.name, rule.path, record.id, loaded,
                                 loaded.envelope.input_schema, loaded.envelope.output_kind,
                                 loaded.envelope.output_schema, metadata_of(loaded, rule))
        except Exception as error:
            reason = (f"rule {rule.name!r}: model {record.id} failed to load: "
                      f"{type(error).__name__}: {error}")
            log.exception(reason)
            if old is not None and old.model_id is not None and old.rule.path == rule.path:
                return Deployment(rule, old.model_id, old.routes, reason, old.loaded_at)
            return Deployment(rule, None, http.unavailable_routes(rule.name, rule.path, reason),
                              reason)
        log.info("rule %r now serves model %s at %s", rule.name, record.id, rule.path)
        return Deployment(rule, record.id, served.routes(_refuse),
                          loaded_at=dt.datetime.now(dt.timezone.utc))

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_interval):
            try:
                self.refresh()
            except Exception as error:  # the registry is unreachable: keep serving, not ready
                first_line = str(error).splitlines()[0] if str(error) else ""
                self.registry_error = (f"the registry {self.registry!r} cannot be read: "
                                       f"{type(error).__name__}: {first_line}")
                log.exception("could not look at the registry")
            else:
                self.registry_error = None

    def start(self) -> None:
        """Start polling the registry (the app does it on startup)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._poll, name="dataflow-models-poll",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def service_app(registry: Registry | None = None, poll_interval: float = 1.0) -> FastAPI:
    """The FastAPI app serving every deployment rule of ``registry`` (the default one if
    ``None``); it polls the registry every ``poll_interval`` seconds while running."""
    from dataflow.envelope.model import _default_registry

    service = ModelService(registry if registry is not None else _default_registry(),
                           poll_interval)
    app = service.app
    app.state.service = service
    return app


def serve(registry: Registry | None = None, host: str = "127.0.0.1", port: int = 8000,
          poll_interval: float = 1.0) -> None:
    """Serve every deployment rule over HTTP until interrupted (``dataflow models serve``)."""
    import uvicorn

    uvicorn.run(service_app(registry, poll_interval), host=host, port=port,
                log_level="info")


# --- a deployable directory per rule ---------------------------------------------------------

def _pinned(name: str) -> str:
    return f"{name}=={importlib.metadata.version(name)}"


def export_service(rule_name: str, directory: str | pathlib.Path,
                   registry: Registry | None = None) -> pathlib.Path:
    """Write a deployable directory serving the model rule ``rule_name`` selects now:
    ``model.pkl``, ``service.json`` (schemas, model and rule), ``service.py`` (needs no
    dataflow: ``python service.py --port 8000``), ``requirements.txt`` (the model's pinned
    environment and the service's own) and a ``Dockerfile``."""
    from dataflow.envelope.model import _default_registry

    registry = registry if registry is not None else _default_registry()
    rule = get_rule(rule_name, registry)
    record = rule.select(registry)
    if record is None:
        raise RuleError(f"export_service: {rule.why_nothing(registry)}")
    envelope = registry.get(record.id)
    root = pathlib.Path(directory)
    root.mkdir(parents=True, exist_ok=True)

    with atomic_path(root / "model.pkl") as target:
        pathlib.Path(target).write_bytes(registry.artifacts.read(envelope.artifact))
    spec = {"rule": rule.record(), "call": envelope.call,
            "input_schema": envelope.input_schema, "output_kind": envelope.output_kind,
            "output_schema": envelope.output_schema,
            "model": {"id": envelope.id, "description": envelope.description,
                      "tags": envelope.tags, "created_at": envelope.created_at.isoformat(),
                      "input_schema": envelope.input_schema,
                      "output_schema": envelope.output_schema,
                      "environment": envelope.environment}}
    requirements = dict(line.split("==", 1) for line in envelope.requirements)
    for name in SERVICE_REQUIREMENTS:
        if not any(known.lower() == name for known in requirements):
            requirements[name] = importlib.metadata.version(name)
    ours = [name for name in requirements if name.lower() == "dataflow"]
    lines = [f"# {name}=={requirements.pop(name)}: this project, not on the package index (the "
             "PyPI 'dataflow' is another one); the model imports it, so install it from its "
             "source\n" for name in ours]
    python = ".".join(envelope.environment.get("python", "3.12").split(".")[:2])
    files = {
        "service.json": json.dumps(spec, indent=2) + "\n",
        "service.py": pathlib.Path(http.__file__).read_text(),
        "requirements.txt": "".join(lines) + "".join(
            f"{name}=={version}\n"
            for name, version in sorted(requirements.items(), key=lambda kv: kv[0].lower())),
        "Dockerfile": DOCKERFILE.format(python=python, rule=rule.name, model=envelope.id),
    }
    for name, text in files.items():
        with atomic_path(root / name) as target:
            pathlib.Path(target).write_text(text)
    return root


DOCKERFILE = """\
# Serves deployment rule {rule!r} (model {model}); written by dataflow's export_service.
FROM python:{python}-slim
WORKDIR /service
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY service.py service.json model.pkl ./
EXPOSE 8000
CMD ["python", "service.py", "--host", "0.0.0.0", "--port", "8000"]
"""

__all__ = ["ModelService", "export_service", "serve", "service_app"]
