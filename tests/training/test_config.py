"""Config files: errors with file, line and key; did-you-mean; Jinja; relative paths; schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dataflow.training.config import (
    ConfigError,
    json_schemas,
    load_extract_file,
    load_model_config,
    load_tuning_config,
)
from dataflow.training.pipeline import compile_pipeline

MODEL = """\
model_name: m
model_trainer: dataflow.training.SKLearnTrainer
constructor_args: {estimator: sklearn.linear_model.Ridge, target: y}
dependencies:
  - train_param_name: data
    file: extracts.yaml
    file_param_name: points
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_misspelt_key_is_named_with_file_line_and_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path / "model.yaml",
                 MODEL.replace("    file_param_name", "    file_parm_name"))
    with pytest.raises(ConfigError) as caught:
        load_model_config(path)
    assert caught.value.line == 7
    assert caught.value.key == "dependencies[0].file_parm_name"
    assert str(caught.value).startswith(f"{path}, line 7, key dependencies[0].file_parm_name")
    assert "Did you mean 'file_param_name'?" in str(caught.value)


def test_a_dotted_path_that_does_not_import_gets_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path / "model.yaml",
                 MODEL.replace("training.SKLearnTrainer", "training.SKLearnTrainr"))
    with pytest.raises(ConfigError) as caught:
        load_model_config(path)
    assert caught.value.line == 2 and caught.value.key == "model_trainer"
    assert "Did you mean 'SKLearnTrainer'?" in str(caught.value)
    path = write(tmp_path / "model.yaml", MODEL.replace("dataflow.training", "dataflw.training"))
    with pytest.raises(ConfigError, match="no module named 'dataflw'. Did you mean 'dataflow'"):
        load_model_config(path)


def test_wrong_value_type_and_missing_key(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", "model: m.yaml\ntuning_type: grid\nmetric: rmse\n"
                 "n_function_compute_workers: two\nparameters: {}\n")
    with pytest.raises(ConfigError) as caught:
        load_tuning_config(path)
    assert (caught.value.line, caught.value.key) == (4, "n_function_compute_workers")
    path = write(tmp_path / "t.yaml", "model: m.yaml\ntuning_type: grid\nparameters: {}\n")
    with pytest.raises(ConfigError, match="line 1: missing key 'metric'"):
        load_tuning_config(path)


def test_grid_needs_steps_and_gp_needs_trials(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", "model: m.yaml\ntuning_type: grid\nmetric: rmse\n"
                 "parameters:\n  alpha: {min: 0, max: 1}\n")
    with pytest.raises(ConfigError, match="parameters.alpha: a grid needs 'step'"):
        load_tuning_config(path)


def test_extract_operator_is_checked_and_keys_suggested_per_operator(tmp_path: Path) -> None:
    path = write(tmp_path / "e.yaml", "a:\n  operator: sql\n  querry: select 1\n")
    with pytest.raises(ConfigError) as caught:
        load_extract_file(path)
    assert (caught.value.line, caught.value.key) == (3, "a.querry")
    assert "Did you mean 'query'?" in str(caught.value)
    path = write(tmp_path / "e.yaml", "a:\n  operator: sqll\n  query: select 1\n")
    with pytest.raises(ConfigError, match="line 2, key a.operator: unknown operator 'sqll'; "
                       "use one of sql, dataflow, file. Did you mean 'sql'?"):
        load_extract_file(path)


def test_unknown_dataset_is_suggested(tmp_path: Path) -> None:
    write(tmp_path / "extracts.yaml", "points:\n  operator: sql\n  query: select 1 as y\n")
    path = write(tmp_path / "model.yaml", MODEL.replace("file_param_name: points",
                                                        "file_param_name: pionts"))
    with pytest.raises(ConfigError, match="no dataset 'pionts'. Did you mean 'points'"):
        compile_pipeline(path)


def test_yaml_syntax_and_jinja_errors_name_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="line 3: not valid YAML"):
        load_model_config(write(tmp_path / "m.yaml", "a: 1\nb: [1,\nc: }\n"))
    with pytest.raises(ConfigError, match="line 2: Jinja syntax error"):
        load_model_config(write(tmp_path / "m.yaml", "a: 1\nb: {{ x \n"))
    with pytest.raises(ConfigError, match="'nope' is undefined"):
        load_model_config(write(tmp_path / "m.yaml", "a: {{ nope }}\n"))


def test_jinja_variables_and_paths_relative_to_the_config_file(tmp_path: Path) -> None:
    sub = tmp_path / "configs"
    sub.mkdir()
    text = MODEL.replace("model_name: m", "model_name: {{ name }}_{{ env['TRAINING_TEST'] }}")
    path = write(sub / "model.yaml", text)
    import os

    os.environ["TRAINING_TEST"] = "x"
    try:
        config = load_model_config(path, variables={"name": "demand"})
    finally:
        del os.environ["TRAINING_TEST"]
    assert config.model_name == "demand_x"
    assert config.dependencies[0].file == sub / "extracts.yaml"
    assert config.output_dir == sub / "models"


def test_set_overrides_a_dotted_key(tmp_path: Path) -> None:
    config = load_model_config(write(tmp_path / "m.yaml", MODEL),
                               overrides={"constructor_args.fit_intercept": False})
    assert config.constructor_args["fit_intercept"] is False


def test_json_schema_describes_every_file_kind() -> None:
    schemas = json_schemas()
    assert set(schemas) == {"extracts", "model", "tuning", "backtest"}
    json.dumps(schemas)
    assert "model_trainer" in schemas["model"]["properties"]
    assert "model_trainer" in schemas["model"]["required"]
    assert schemas["backtest"]["properties"]["strategy"]["enum"] == [
        "sliding_time_window", "expanding_window"]


def test_cli_writes_the_schemas(tmp_path: Path) -> None:
    from tests.training.test_pipeline import run_cli

    done = run_cli("training-schema", "schemas", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert written == ["backtest.schema.json", "extracts.schema.json", "model.schema.json",
                       "tuning.schema.json"]
    assert json.loads((tmp_path / "schemas" / "model.schema.json").read_text()) == \
        json_schemas()["model"]
