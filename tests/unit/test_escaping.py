"""Spec text never reaches Terraform as a template (issue 9 section 1).

Every string field of both spec models is found from their JSON Schemas (so a new field is covered
without editing this test) and given `${...}` and `%{...}` payloads: a field with a grammar must
refuse them with a SpecError naming the field; a free-text field must accept them and the
synthesized `cdk.tf.json` must hold them escaped (`$${`, `%%{`), which Terraform reads literally.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import yaml

from modules.text import terraform_literal
from stacks.app import build_app
from stacks.spec import (
    FREE_TEXT_MARK,
    PlatformSpec,
    ProjectSpec,
    SpecError,
    SpecModel,
    Zone,
    load_platform,
    load_project,
)
from stacks.target import Target

pytestmark = pytest.mark.unit

PAYLOADS = ('${file("/etc/hostname")}', "%{ if true }evaluated%{ endif }")
REASON = "a reason that is long enough: "

# One valid value for every field, every optional entry present (a new field must be added here:
# test_every_string_field_is_walked fails until it is).
FULL_PLATFORM = {
    "name": "acme-ml",
    "region": "eu-west-1",
    "team": "ml-platform",
    "cost_center": "CC-0001",
    "account_id": "123456789012",
    "state_bucket": "acme-ml-state",
    "network": {"cidr": "10.20.0.0/16", "availability_zones": 2},
    "audit": {
        "retention_days": 2555,
        "object_lock_mode": "GOVERNANCE",
        "break_glass_role_arn": "arn:aws:iam::123456789012:role/mlzone-break-glass",
        "allow_governance_mode": {"reason": REASON + "legal hold is handled elsewhere"},
    },
    "predictions": {"expiry_days": 90},
    "experiment_tracking": {"enabled": True, "size": "Small"},
}
FULL_PROJECT = {
    "name": "fraud",
    "team": "risk",
    "cost_center": "CC-1234",
    "data_classification": "confidential",
    "notebooks": [{"owner": "alice", "instance_type": "ml.t3.medium", "volume_size_gb": 20, "idle_stop_minutes": 60}],
    "spark_clusters": [
        {
            "name": "explore",
            "release_label": "emr-7.2.0",
            "master_instance_type": "m5.xlarge",
            "core_instance_type": "m5.xlarge",
            "core_nodes": 2,
            "max_nodes": 4,
            "idle_timeout_minutes": 60,
        }
    ],
    "models": [{"name": "scorer", "share_with": ["churn"], "subject_field": "customer_id"}],
    "endpoints": [
        {
            "name": "api",
            "model": "scorer",
            "version": 1,
            "instance_type": "ml.m5.large",
            "min_instances": 1,
            "max_instances": 2,
            "capture_percent": 100,
        }
    ],
    "batch_jobs": [
        {
            "name": "nightly",
            "model": "scorer",
            "schedule": "cron(0 2 * * ? *)",
            "version": 1,
            "entry_point": "code/score.py",
            "input_prefix": "input/",
            "input_format": "csv",
            "output_prefix": "out/",
            "arguments": ["--threshold", "0.5"],
        }
    ],
    "approvers": ["arn:aws:iam::123456789012:role/model-approver"],
    "self_service": {
        "spark": {"max_clusters": 3, "sizes": ["small"], "max_idle_minutes": 240},
        "notebooks": {"max": 2, "instance_types": ["ml.t3.medium"]},
        "monthly_budget_usd": 2000,
        "members": ["arn:aws:iam::123456789012:role/data-science"],
    },
}


def _resolve(schema: dict, node: dict) -> dict:
    if "$ref" in node:
        return schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    options = [o for o in node.get("anyOf", []) if o.get("type") != "null"]
    return _resolve(schema, options[0]) if len(options) == 1 else node


def string_fields(schema: dict, instance: dict, path: tuple = ()) -> list[tuple[tuple, bool]]:
    """(path, free text?) of every string value in `instance`, guided by the JSON Schema."""
    return _walk(schema, schema, instance, path, [])


def _walk(root: dict, model: dict, instance: dict, path: tuple, found: list) -> list:
    for key, value in instance.items():
        prop = _resolve(root, model["properties"][key])
        where = (*path, key)
        if prop.get("type") == "array":
            items = _resolve(root, prop["items"])
            if items.get("type") == "string":
                found.append(((*where, 0), bool(items.get(FREE_TEXT_MARK))))
            else:
                _walk(root, items, value[0], (*where, 0), found)
        elif prop.get("type") == "object" or "properties" in prop:
            _walk(root, prop, value, where, found)
        elif prop.get("type") == "string" or "enum" in prop:
            found.append((where, bool(prop.get(FREE_TEXT_MARK))))
    return found


def schema_string_fields(schema: dict) -> set[tuple[str, str]]:
    """(model title, field) of every string-valued field the schema declares."""
    out = set()
    for model in [schema, *schema.get("$defs", {}).values()]:
        for key, prop in model.get("properties", {}).items():
            prop = _resolve(schema, prop)
            if prop.get("type") == "array":
                prop = _resolve(schema, prop["items"])
            if prop.get("type") == "string" or "enum" in prop:
                out.add((model["title"], key))
    return out


def walked_models(schema: dict, instance: dict) -> set[tuple[str, str]]:
    out = set()

    def walk(model: dict, inst: dict) -> None:
        for key, value in inst.items():
            prop = _resolve(schema, model["properties"][key])
            if prop.get("type") == "array":
                items = _resolve(schema, prop["items"])
                if items.get("type") == "string":
                    out.add((model["title"], key))
                else:
                    walk(items, value[0])
            elif "properties" in prop:
                walk(prop, value)
            elif prop.get("type") == "string" or "enum" in prop:
                out.add((model["title"], key))

    walk(schema, instance)
    return out


MODELS = {"platform": (PlatformSpec, FULL_PLATFORM), "project": (ProjectSpec, FULL_PROJECT)}


def set_path(data: dict, path: tuple, value: str) -> dict:
    data = copy.deepcopy(data)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


def loc(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def load(kind: str, data: dict, tmp_path: Path):
    file = tmp_path / ("platform.yaml" if kind == "platform" else f"projects/{data['name']}.yaml")
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(yaml.safe_dump(data))
    return load_platform(file) if kind == "platform" else load_project(file)


def cases() -> list:
    out = []
    for kind, (model, full) in MODELS.items():
        for path, free in string_fields(model.model_json_schema(), full):
            out += [
                pytest.param(kind, path, free, payload, id=f"{kind}.{loc(path)}-{payload[:2]}") for payload in PAYLOADS
            ]
    return out


@pytest.mark.parametrize("kind", MODELS)
def test_every_string_field_is_walked(kind):
    model, full = MODELS[kind]
    schema = model.model_json_schema()
    assert schema_string_fields(schema) == walked_models(schema, full), "add the new field to FULL_" + kind.upper()


@pytest.mark.parametrize(("kind", "path", "free", "payload"), cases())
def test_payload_is_refused_or_escaped(tmp_path, kind, path, free, payload):
    model, full = MODELS[kind]
    text = REASON + payload if path[-1] == "reason" else payload
    data = set_path(full, path, text)
    if not free:
        with pytest.raises(SpecError) as info:
            load(kind, data, tmp_path)
        assert loc(path) in str(info.value)
        return
    spec = load(kind, data, tmp_path)
    value = spec
    for part in path:
        value = value[part] if isinstance(part, int) else getattr(value, part)
    assert value == terraform_literal(text) and value != text


def unescaped(text: str) -> bool:
    """True when Terraform would evaluate something in `text` (`$${` and `%%{` are escapes)."""
    rest = re.sub(r"\$\$\{|%%\{", "", text)
    return "${file(" in rest or "%{ if" in rest


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def test_free_text_payloads_reach_cdk_tf_json_escaped(tmp_path):
    reason = REASON + " ".join(PAYLOADS)
    platform = set_path(FULL_PLATFORM, ("audit", "allow_governance_mode", "reason"), reason)
    project = set_path(FULL_PROJECT, ("batch_jobs", 0, "arguments"), ["--note", *PAYLOADS])
    project["models"][0]["share_with"] = []
    zone = Zone(
        root=tmp_path, platform=load("platform", platform, tmp_path), projects=(load("project", project, tmp_path),)
    )
    build_app(zone, Target(kind="local"), outdir=str(tmp_path / "cdktf.out")).synth()
    docs = {p.parent.name: p.read_text() for p in (tmp_path / "cdktf.out" / "stacks").glob("*/cdk.tf.json")}
    assert set(docs) == {"platform", "fraud", "fraud-self-service"}
    for stack, text in docs.items():
        bad = [s[:200] for s in strings(json.loads(text)) if unescaped(s)]
        assert not bad, f"{stack}: Terraform would evaluate {bad}"
    schedule = next(iter(json.loads(docs["fraud"])["resource"]["aws_scheduler_schedule"].values()))
    arguments = json.loads(schedule["target"]["input"])["JobDriver"]["SparkSubmit"]["EntryPointArguments"]
    assert arguments[-3:] == ["--note", *map(terraform_literal, PAYLOADS)]


def test_a_new_field_cannot_bypass_the_escaping():
    class NewSpec(SpecModel):  # a field added without any grammar or marker
        note: str
        notes: tuple[str, ...] = ()

    spec = NewSpec.model_validate({"note": PAYLOADS[0], "notes": (PAYLOADS[1],)})
    assert (spec.note, spec.notes) == (terraform_literal(PAYLOADS[0]), (terraform_literal(PAYLOADS[1]),))
