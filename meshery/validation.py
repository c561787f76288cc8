"""Request validation messages that name the parameter at fault.

Connexion's parameter validator reports the JSON-schema message alone
("-1 is less than the minimum of 0"); clients need to know which parameter.
"""

from __future__ import annotations

from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.validators import VALIDATOR_MAP as CONNEXION_VALIDATORS
from connexion.validators.form_data import MultiPartFormDataValidator
from connexion.validators.parameter import ParameterValidator
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartParser


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


class _ClosingMultiPartParser(MultiPartParser):
    """Connexion parses a multipart body only to validate it and never closes the files it
    spooled; the handler gets its own copy. Closing them here avoids leaking temp files."""

    async def parse(self) -> FormData:
        form = await super().parse()
        for _key, value in form.multi_items():
            if isinstance(value, UploadFile):
                await value.close()
        return form


class ClosingMultiPartFormDataValidator(MultiPartFormDataValidator):  # type: ignore[misc]
    @property
    def _form_parser_cls(self) -> type[MultiPartParser]:
        return _ClosingMultiPartParser


_BODY = MediaTypeDict(dict(CONNEXION_VALIDATORS["body"]))
_BODY["multipart/form-data"] = ClosingMultiPartFormDataValidator

VALIDATOR_MAP = {"parameter": NamedParameterValidator, "body": _BODY}
