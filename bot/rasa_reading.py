"""Rasa 3.6's training data readers made cheaper, without changing what they read or refuse: reading NLU data checks
each entity annotation with `jsonschema.validate`, which checks the schema itself first, every time: four fifths of
the time (3.6 s for data/nlu/, 0.7 s without), which the console spent at each example taught. The annotations are
still checked, by one validator per schema, built once. Light: the web server installs it without loading Rasa's
server code (bot/rasa_tuning.py, which installs it too); `python -m bot.rasa_reading train …` is `rasa train …` with
it (bot/training.py)."""
from __future__ import annotations

import json
import sys
from functools import lru_cache
from typing import Any, Dict

import rasa.shared.utils.validation
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.shared.exceptions import SchemaValidationError

STOCK = rasa.shared.utils.validation.validate_training_data  # Rasa's own, for comparison


def validate_training_data(json_data: Any, schema: Dict[str, Any]) -> None:
    """rasa.shared.utils.validation.validate_training_data with one validator per schema, built once."""
    try:
        training_data_validator(json.dumps(schema, sort_keys=True)).validate(json_data)
    except ValidationError as error:
        error.message += (". Failed to validate data, make sure your data is valid. For more information about the "
                          f"format visit {rasa.shared.utils.validation.DOCS_URL_TRAINING_DATA}.")
        raise SchemaValidationError.create_from(error) from error


@lru_cache(maxsize=16)
def training_data_validator(schema: str) -> Any:
    """A validator of the JSON schema `schema` (as JSON text), built once."""
    return checked_validator(json.loads(schema))


def checked_validator(schema: Dict[str, Any]) -> Any:
    """A validator of `schema`, the schema itself checked once."""
    validator = validator_for(schema)
    validator.check_schema(schema)
    return validator(schema)


def install() -> None:
    """Apply it to this process's Rasa."""
    rasa.shared.utils.validation.validate_training_data = validate_training_data


if __name__ == "__main__":
    install()
    from rasa.__main__ import main

    sys.argv = ["rasa", *sys.argv[1:]]
    main()
