"""Tens of thousands of knowledge objects in little memory: the values many of them repeat (a kind, a commune, a
list of services, an empty list) kept once and shared (pydantic v1 gives each object its own copy)."""
from __future__ import annotations

from copy import deepcopy
from typing import Any, Collection, Dict, Hashable, NoReturn, TypeVar

from pydantic import BaseModel

Model = TypeVar("Model", bound=BaseModel)


class SharedList(list):
    """A list several objects share, which therefore refuses changes."""

    def _shared(self, *_: Any, **__: Any) -> NoReturn:
        raise TypeError("this list is shared by several objects: copy it (list(...)) to change it")

    append = extend = insert = remove = pop = clear = sort = reverse = _shared
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _shared

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: Dict[int, Any]) -> list[Any]:
        return deepcopy(list(self), memo)


EMPTY = SharedList()


class Sharing:
    """Equal values of the `repeated` fields, and every empty list, shared among the objects passed to `shared`."""

    def __init__(self, repeated: Collection[str]) -> None:
        self.repeated = set(repeated)
        self.values: Dict[Hashable, Any] = {}

    def shared(self, model: Model) -> Model:
        """`model` itself, its values replaced by equal shared ones; its set of fields given (pydantic's
        `__fields_set__`) shared too, and frozen: such an object is read, not changed."""
        values = model.__dict__
        for name, value in values.items():
            if isinstance(value, list) and not value:
                values[name] = EMPTY
            elif name in self.repeated and value is not None:
                values[name] = self._one(value)
        object.__setattr__(model, "__fields_set__", self._one(frozenset(model.__fields_set__)))
        return model

    def _one(self, value: Any) -> Any:
        if isinstance(value, list):
            items = tuple(self._one(item) for item in value)
            return self.values.setdefault(("list", items), SharedList(items))
        return self.values.setdefault((type(value), value), value)
