"""save_model: what it accepts, what it derives, what it refuses."""

from __future__ import annotations

import importlib.metadata
import json
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dataflow.envelope import ModelRefusedError, Registry, save_model

FRAME = pd.DataFrame({"spend": [1.0, None, 4.0, 3.0], "segment": ["a", "b", "a", "a"],
                      "seen": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01",
                                              "2024-04-01"])})


class Scaler:
    """A callable object."""

    def __init__(self, factor: float) -> None:
        self.factor = factor

    def __call__(self, frame: pd.DataFrame) -> pd.Series:
        return frame["spend"].fillna(0) * self.factor


class Predictor:
    """An object with predict (as scikit-learn estimators have)."""

    def __init__(self) -> None:
        self.weights = np.array([2.0])

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return frame[["spend"]].fillna(0).to_numpy() @ self.weights


def test_a_function_a_callable_object_and_a_predict_object_all_work(registry: Registry) -> None:
    def double(frame: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"twice": frame["spend"] * 2, "segment": frame["segment"]})

    new = FRAME.head(2)
    for model, kind, call in [(double, "frame", "call"), (Scaler(3.0), "series", "call"),
                              (Predictor(), "array", "predict")]:
        saved = save_model(model, description="m", api_input=FRAME, registry=registry)
        assert (saved.output_kind, saved.call) == (kind, call)
        loaded = registry.load(saved.id)
        expected = model.predict(new) if call == "predict" else model(new)
        got = loaded(new)
        assert type(got) is type(expected)
        if isinstance(expected, pd.DataFrame):
            pd.testing.assert_frame_equal(got, expected)
        elif isinstance(expected, pd.Series):
            pd.testing.assert_series_equal(got, expected)
        else:
            np.testing.assert_array_equal(got, expected)
    assert registry.get(3).output_schema == {"prediction": "float64"}


def test_schemas_statistics_and_provenance_are_derived(registry: Registry) -> None:
    saved = save_model(Scaler(2.0), description="scaled spend", tags={"owner": "ana"},
                       api_input=FRAME, registry=registry)
    assert saved.input_schema == {"spend": "float64", "segment": str(FRAME["segment"].dtype),
                                  "seen": str(FRAME["seen"].dtype)}
    assert saved.input_stats["spend"] == {"dtype": "float64", "count": 3, "nulls": 1,
                                          "min": 1.0, "max": 4.0, "mean": 8 / 3}
    assert saved.input_stats["segment"]["top"] == {"a": 3, "b": 1}
    assert saved.input_stats["seen"]["min"].startswith("2024-01-01")
    assert saved.output_schema == {"spend": "float64"}
    assert saved.output_stats["spend"]["max"] == 8.0
    assert saved.saved["user"] and saved.saved["host"]
    assert saved.saved["saved_at"].endswith("+00:00")
    assert json.loads(json.dumps(saved.input_stats)) == saved.input_stats  # plain JSON


def test_environment_pins_the_distributions_the_code_imports(registry: Registry) -> None:
    saved = save_model(Predictor(), description="m", api_input=FRAME, registry=registry)
    env = saved.environment
    assert env["python"] == platform.python_version()
    requirements = env["requirements"]
    for name in ("numpy", "pandas", "cloudpickle"):
        assert requirements[name] == importlib.metadata.version(name)
    assert "tests" in env["local_modules"]  # this test module: no distribution provides it
    assert "sqlalchemy" not in {k.lower() for k in requirements}  # not imported by the model
    assert f"numpy=={np.__version__}" in saved.requirements


def test_code_modules_are_stored_and_travel_by_value(registry: Registry,
                                                     tmp_path: Path) -> None:
    """A model from a module that is not installed anywhere loads in a process that cannot
    import that module: ``code=[module]`` pickles it by value."""
    source = textwrap.dedent("""\
        import numpy as np
        import pandas as pd

        RATE = 0.5

        def discounted(frame: pd.DataFrame) -> pd.Series:
            return frame["spend"].fillna(0) * RATE + np.float64(1)
        """)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "my_ltv_features.py").write_text(source)
    sys.path.insert(0, str(tmp_path / "src"))
    try:
        import my_ltv_features  # type: ignore[import-not-found]

        saved = save_model(my_ltv_features.discounted, description="discounted",
                           api_input=FRAME, code=[my_ltv_features], registry=registry)
    finally:
        sys.path.remove(str(tmp_path / "src"))
        sys.modules.pop("my_ltv_features", None)
    assert saved.code == {"my_ltv_features": source}
    assert "my_ltv_features" in saved.environment["local_modules"]
    assert {"numpy", "pandas"} <= set(saved.environment["requirements"])

    script = textwrap.dedent(f"""\
        import pandas as pd
        from dataflow.envelope import Registry
        try:
            import my_ltv_features
            raise SystemExit("the module should not be importable here")
        except ImportError:
            pass
        model = Registry({registry.url!r}, artifacts={registry.artifacts.url!r}).load({saved.id})
        print(model(pd.DataFrame({{"spend": [4.0], "segment": ["a"],
                                  "seen": pd.to_datetime(["2024-01-01"])}})).tolist())
        """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120,
                         env={**_env_without_pythonpath(), "PYTHONPATH": str(_root())})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[3.0]"


def _root() -> Path:
    return Path(__file__).resolve().parents[2]


def _env_without_pythonpath() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_a_model_failing_on_its_own_input_is_refused_with_its_error(registry: Registry) -> None:
    def broken(frame: pd.DataFrame) -> pd.Series:
        return frame["spend_usd"] * 2

    with pytest.raises(ModelRefusedError) as refused:
        save_model(broken, description="m", api_input=FRAME, registry=registry)
    message = str(refused.value)
    assert "save_model refused" in message and "broken" in message
    assert "fails on its own api_input (4 rows" in message
    assert "KeyError: 'spend_usd'" in message
    assert isinstance(refused.value.__cause__, KeyError)
    assert registry.find() == []
    assert registry.artifacts.fs.ls(registry.artifacts.root) == []  # nothing was written


@pytest.mark.parametrize(("tags", "error"), [
    ({"id": "3"}, "the tag 'id' is reserved"),
    ({"latest": "true"}, "the tag 'latest' is reserved"),
    ({"dataflow.rule": "x"}, "every name starting with 'dataflow.'"),
    ({"passes_tests": True}, "is a bool; tags are strings: write passes_tests='true'"),
    ({"version": 3}, "is an int; tags are strings: write version='3'"),
    ({"has space": "x"}, "'has space' cannot be a tag name"),
])
def test_bad_tags_are_refused(registry: Registry, tags: dict, error: str) -> None:
    with pytest.raises(ValueError, match=error.replace("(", r"\(").replace(")", r"\)")):
        save_model(Scaler(1.0), description="m", tags=tags, api_input=FRAME, registry=registry)
    with pytest.raises(ValueError, match=error.replace("(", r"\(").replace(")", r"\)")):
        save_model(Scaler(1.0), description="m", api_input=FRAME, registry=registry)
        registry.add_tags(1, **tags)


def test_what_is_not_a_model_or_has_no_input_is_refused(registry: Registry) -> None:
    with pytest.raises(ModelRefusedError, match="an int is neither callable nor has a predict"):
        save_model(3, description="m", api_input=FRAME, registry=registry)
    with pytest.raises(ModelRefusedError, match="api_input= is required"):
        save_model(Scaler(1.0), description="m", registry=registry)
    with pytest.raises(ModelRefusedError, match="not an empty DataFrame"):
        save_model(Scaler(1.0), description="m", api_input=FRAME.head(0), registry=registry)
    with pytest.raises(ModelRefusedError, match="description= is required"):
        save_model(Scaler(1.0), description="", api_input=FRAME, registry=registry)
    with pytest.raises(TypeError, match="takes modules"):
        save_model(Scaler(1.0), description="m", api_input=FRAME, code=["mod"],
                   registry=registry)


def test_a_large_input_is_sampled(registry: Registry) -> None:
    big = pd.DataFrame({"spend": np.arange(5000, dtype=float), "segment": "a",
                        "seen": pd.Timestamp("2024-01-01")})
    saved = save_model(Scaler(1.0), description="m", api_input=big, registry=registry)
    assert saved.sample_rows == 1000
    assert saved.input_stats["spend"]["count"] == 1000
    assert saved.input_stats["spend"]["max"] > 4000  # a random sample, not the head
