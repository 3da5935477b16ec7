"""Results with attribute access (`response.choices[0].message.content`) over the untouched JSON the gateway sent."""
from __future__ import annotations

import json
from typing import Any, Iterator, List, Mapping, Optional


def wrap(value: Any) -> Any:
    """Objects become SociaroObject, arrays become lists of wrapped items; scalars are returned as they are."""
    if isinstance(value, Mapping):
        return SociaroObject(value)
    if isinstance(value, list):
        return [wrap(item) for item in value]
    return value


class SociaroObject:
    """A read-only view of one JSON object: fields as attributes or keys; `to_dict()` returns the raw JSON.

    Unknown fields are kept, so a provider's extra fields (`system_fingerprint`, `extra_content`, …) stay reachable.
    A missing field raises AttributeError (so `getattr(obj, "usage", None)` works); `obj.get("usage")` returns None.
    """

    __slots__ = ("_data", "_request_id")

    def __init__(self, data: Mapping[str, Any], request_id: Optional[str] = None) -> None:
        object.__setattr__(self, "_data", data)
        object.__setattr__(self, "_request_id", request_id)

    def __getattr__(self, name: str) -> Any:
        data = object.__getattribute__(self, "_data")
        if name in data:
            return wrap(data[name])
        raise AttributeError(f"{type(self).__name__} has no field {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("results are read-only; use to_dict() for a mutable copy")

    def __getitem__(self, key: str) -> Any:
        return wrap(self._data[key])

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SociaroObject):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({json.dumps(self._data, ensure_ascii=False, default=str)[:2000]})"

    def __dir__(self) -> List[str]:
        return sorted(set(list(super().__dir__()) + [k for k in self._data if isinstance(k, str)]))

    def get(self, key: str, default: Any = None) -> Any:
        return wrap(self._data[key]) if key in self._data else default

    def keys(self) -> List[str]:
        return list(self._data.keys())

    def to_dict(self) -> Any:
        """The JSON object exactly as parsed (the same dict, not a copy)."""
        return self._data

    def to_json(self, indent: Optional[int] = None) -> str:
        return json.dumps(self._data, ensure_ascii=False, indent=indent)


class SociaroList(SociaroObject):
    """A `{"object": "list", "data": [...]}` answer: iterating it, `len()` and indexing go over `data`."""

    __slots__ = ()

    def __iter__(self) -> Iterator[Any]:
        data = self._data.get("data")
        return iter(wrap(data) if isinstance(data, list) else [])

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int):
            return list(self)[key]
        return super().__getitem__(key)

    def __len__(self) -> int:
        data = self._data.get("data")
        return len(data) if isinstance(data, list) else 0
