import pytest

from litsift.errors import InputError
from litsift.models import Decision, Protocol
from litsift.yamlio import item_lines, load_list, load_model

PROTOCOL = """\
title: T
question: Q
date_range: {start: 2017, end: 2023}
sources:
  - {name: db, kind: database}
criteria:
  - {code: E1, kind: exclude, text: off topic}
reviewers:
  - {id: ann}
"""


def test_valid_protocol_loads(tmp_path):
    p = tmp_path / "review.yaml"
    p.write_text(PROTOCOL)
    proto = load_model(p, Protocol)
    assert proto.exclusion_codes() == ("E1",)


def test_unknown_key_is_an_error_with_its_line(tmp_path):
    p = tmp_path / "review.yaml"
    p.write_text(PROTOCOL + "colour: blue\n")
    with pytest.raises(InputError) as e:
        load_model(p, Protocol)
    assert str(e.value).startswith(f"{p}:10: colour:")


def test_nested_error_points_at_the_nested_line(tmp_path):
    p = tmp_path / "review.yaml"
    p.write_text(PROTOCOL.replace("kind: exclude", "kind: maybe"))
    with pytest.raises(InputError) as e:
        load_model(p, Protocol)
    assert e.value.line == 7 and "criteria.0.kind" in str(e.value)


def test_yaml_no_read_as_boolean_gets_a_hint(tmp_path):
    p = tmp_path / "d.yaml"
    p.write_text("- id: r1\n  decision: include\n- id: r2\n  decision: exclude\n  reason: no\n")
    with pytest.raises(InputError) as e:
        load_list(p, Decision)
    msg = str(e.value)
    assert msg.startswith(f"{p}:5: 1.reason:") and "boolean" in msg and "'no'" in msg


def test_duplicate_keys_are_refused_with_both_lines(tmp_path):
    p = tmp_path / "d.yaml"
    p.write_text("- id: r1\n  decision: include\n  decision: exclude\n")
    with pytest.raises(InputError) as e:
        load_list(p, Decision)
    assert e.value.line == 3 and "duplicate key 'decision' (first at line 2)" in str(e.value)


def test_broken_yaml_names_line_and_column(tmp_path):
    p = tmp_path / "d.yaml"
    p.write_text("- id: r1\n  decision: [include\n")
    with pytest.raises(InputError) as e:
        load_list(p, Decision)
    assert e.value.line is not None and "invalid YAML" in str(e.value)


def test_item_lines(tmp_path):
    p = tmp_path / "d.yaml"
    p.write_text("# c\n- id: a\n\n- id: b\n")
    assert item_lines(p) == [2, 4]
