"""Request validation messages that name the parameter at fault.

Connexion's parameter validator reports the JSON-schema message alone
("-1 is less than the minimum of 0"); clients need to know which parameter.
"""

from __future__ import annotations

from typing import Any

from connexion.validators.parameter import ParameterValidator


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


VALIDATOR_MAP = {"parameter": NamedParameterValidator}
