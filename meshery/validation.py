"""Request validation messages that name the parameter at fault; bodies that are not text.

Connexion's parameter validator reports the JSON-schema message alone
("-1 is less than the minimum of 0"); clients need to know which parameter.
Its JSON body validator lets a body that is not valid UTF-8 escape as a
UnicodeDecodeError (a 500), and its multipart parser a body without a
boundary as a KeyError or MultiPartException; here both are 400s like any
other malformed body. Text fields of a multipart form holding NUL or a control character
are refused like JSON strings (``ErrControlCharacter``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from typing import Any

from connexion.exceptions import BadRequestProblem
from connexion.validators import VALIDATOR_MAP as CONNEXION_VALIDATORS
from connexion.validators import JSONRequestBodyValidator, MediaTypeDict
from connexion.validators.form_data import MultiPartFormDataValidator
from connexion.validators.parameter import ParameterValidator
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.types import Scope

from generated import errors

# NUL and the control characters other than tab, line feed and carriage return (meshery.limits).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class NamedParameterValidator(ParameterValidator):  # type: ignore[misc]
    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
    ) -> str | None:
        message: str | None = ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        if message is None or message.startswith("Missing"):
            return message
        first = message.split("\n\n", 1)[0]
        return f"{parameter_type} parameter '{param.get('name', param_name)}': {first}"


class TextJSONBodyValidator(JSONRequestBodyValidator):  # type: ignore[misc]
    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> Any:
        chunks = [message async for message in stream]

        async def replay() -> AsyncGenerator[bytes, None]:
            for chunk in chunks:
                yield chunk

        try:
            b"".join(chunks).decode(self._encoding)
        except (UnicodeDecodeError, LookupError):
            raise BadRequestProblem(detail=f"the body is not valid {self._encoding} text") from None
        return await super()._parse(replay(), scope)


class _ClosingMultiPartParser(MultiPartParser):
    """Connexion parses a multipart body only to validate it and never closes the files it
    spooled; the handler gets its own copy. Closing them here avoids leaking temp files."""

    async def parse(self) -> FormData:
        form = await super().parse()
        refused: str | None = None
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                await value.close()
            elif refused is None and _CONTROL.search(key + value) is not None:
                refused = key
        if refused is not None:
            # Text fields reach the database like JSON strings: the same rule (meshery.limits).
            raise errors.ErrControlCharacter(f"the form field {refused[:100]!r} holds a control character")
        return form


class ClosingMultiPartFormDataValidator(MultiPartFormDataValidator):  # type: ignore[misc]
    @property
    def _form_parser_cls(self) -> type[MultiPartParser]:
        return _ClosingMultiPartParser

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> Any:
        # A body without a usable boundary is a 400, not a parser crash.
        try:
            return await super()._parse(stream, scope)
        except (KeyError, ValueError, AssertionError, MultiPartException) as exc:
            raise BadRequestProblem(detail=f"malformed multipart body: {type(exc).__name__}") from None


VALIDATOR_MAP = {
    "parameter": NamedParameterValidator,
    "body": MediaTypeDict(
        {
            **CONNEXION_VALIDATORS["body"],
            "*/*json": TextJSONBodyValidator,
            "multipart/form-data": ClosingMultiPartFormDataValidator,
        }
    ),
}
