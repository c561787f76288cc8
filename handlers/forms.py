"""API area "forms": the form schemas the UI renders (generated from the spec's ``x-forms``)."""

from __future__ import annotations

import copy

from generated import errors
from generated.form_schemas import FORMS
from meshery import http


async def get_resource_schema(resource_name: str) -> http.Answer:
    form = FORMS.get(resource_name)
    if form is None:
        raise errors.ErrFormSchemaNotFound(f"{resource_name!r}; known forms: {', '.join(sorted(FORMS))}")
    return http.json(copy.deepcopy(form))
