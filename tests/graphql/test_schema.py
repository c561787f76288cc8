"""Binding of the executable schema: fields declared as another field's second spelling."""

from __future__ import annotations

from ariadne import QueryType, make_executable_schema
from graphql import graphql_sync

from meshery.graphql.schema import bind_field_aliases

SDL = """
directive @alias(of: String!) on FIELD_DEFINITION | ARGUMENT_DEFINITION
type Thing {
  created_at: String
  createdAt: String @alias(of: "created_at")
  plain: String
}
type Query { things: [Thing!]! }
"""


class Obj:
    created_at = "attr"
    plain = "p"


def test_alias_fields_read_their_target_on_dicts_and_objects() -> None:
    query = QueryType()
    query.set_field("things", lambda *_: [{"created_at": "dict", "plain": "p"}, Obj()])
    schema = make_executable_schema(SDL, query)
    bind_field_aliases(schema)
    result = graphql_sync(schema, "{ things { created_at createdAt plain } }")
    assert result.errors is None
    assert result.data == {
        "things": [
            {"created_at": "dict", "createdAt": "dict", "plain": "p"},
            {"created_at": "attr", "createdAt": "attr", "plain": "p"},
        ]
    }
