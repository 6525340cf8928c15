"""The Jinja2 environment: attribute lookup on dicts as Jinja2 does it, only faster."""

from __future__ import annotations

import jinja2
import pytest

from releasekit.support import render

TEMPLATE = (
    "{{ d.id }}|{{ d['id'] }}|{{ d.items is defined }}|{{ d.get('id') }}|"
    "{{ d.nested.x }}|{% for k in d.keys() %}{{ k }},{% endfor %}|{{ o.real }}"
)


class Sub(dict):  # type: ignore[type-arg]
    id = "attribute wins"


@pytest.mark.parametrize(
    "value",
    [
        {"id": "A", "nested": {"x": 1}},
        {"id": "A", "nested": {"x": 1}, "items": "key", "keys": "key"},
        Sub(id="key", nested={"x": 2}),
    ],
)
def test_lookups_give_what_plain_jinja2_gives(value: dict[str, object]) -> None:
    ours = render.environment(None).from_string(TEMPLATE)
    plain = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    plain_template = plain.from_string(TEMPLATE)  # (nothing here to escape)
    assert ours.render(d=value, o=3) == plain_template.render(d=value, o=3)


def test_a_missing_key_is_still_an_error() -> None:
    template = render.environment(None).from_string("{{ d.missing }}")
    with pytest.raises(jinja2.UndefinedError):
        template.render(d={"id": "A"})
