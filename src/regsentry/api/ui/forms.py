"""HTML forms drawn from the pydantic models the REST API validates with.

The scan rule, credential and system-settings forms are not written by hand: their
fields, limits, defaults and help texts come from ``ScanRule``, ``CredentialInput`` and
``SystemSettings``, so the console and the API can never disagree about what a field
means or accepts. Submissions are validated by the same models, and each error is put
next to the field it concerns (model-level errors by the field their message names).
"""

from __future__ import annotations

import enum
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic.fields import FieldInfo

Kind = Literal["text", "number", "select", "password"]


@dataclass(frozen=True)
class FieldSpec:
    """One form control: what to draw and the help text to draw under it."""

    name: str
    label: str
    help: str
    kind: Kind = "text"
    choices: tuple[tuple[str, str], ...] = ()
    default: str = ""
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    step: str = "1"


@dataclass
class FormState:
    """A form's values and what is wrong with them."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong."""
        return not self.errors and not self.general

    def add(self, name: str, message: str) -> None:
        """An error next to field ``name`` (or above the form when there is no such field)."""
        if name:
            self.errors.setdefault(name, []).append(message)
        else:
            self.general.append(message)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _limits(info: FieldInfo) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in info.metadata:
        if isinstance(item, Ge):
            found["minimum"] = _number(item.ge)
        elif isinstance(item, Le):
            found["maximum"] = _number(item.le)
        elif isinstance(item, Gt | Lt):
            # Exclusive bounds are left to the server: HTML has no "greater than".
            continue
        elif isinstance(item, MaxLen):
            found["max_length"] = item.max_length
        elif isinstance(item, MinLen) and item.min_length > 0:
            found["required"] = True
    return found


def _control(annotation: Any) -> tuple[Kind, tuple[tuple[str, str], ...], str]:
    """The control for a field's type: select for enums and literals, number, password."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]  # ``X | None``: drawn as X
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "select", tuple((str(m.value), str(m.value)) for m in annotation), "1"
    if typing.get_origin(annotation) is Literal:
        return "select", tuple((str(a), str(a)) for a in typing.get_args(annotation)), "1"
    if annotation is SecretStr:
        return "password", (), "1"
    if annotation is int:
        return "number", (), "1"
    if annotation is float:
        return "number", (), "any"
    return "text", (), "1"


def fields_of(
    model: type[BaseModel],
    labels: Mapping[str, str],
    *,
    choices: Mapping[str, Iterable[tuple[str, str]]] | None = None,
) -> list[FieldSpec]:
    """The form fields of ``model`` in declaration order, with the model's help texts
    (``choices`` turns a field into a select, e.g. the credential among stored ones)."""
    specs = []
    for name, info in model.model_fields.items():
        kind, options, step = _control(info.annotation)
        if choices and name in choices:
            kind, options = "select", tuple(choices[name])
        default = "" if info.is_required() else _text(info.get_default(call_default_factory=True))
        help_text = info.description or ""
        if default and kind != "password":
            help_text = f"{help_text} Default: {default}.".strip()
        specs.append(
            FieldSpec(
                name=name,
                label=labels.get(name, name.replace("_", " ").capitalize()),
                help=help_text,
                kind=kind,
                choices=options,
                default=default,
                step=step,
                **{"required": info.is_required(), **_limits(info)},
            )
        )
    return specs


def submitted(form: Mapping[str, Any], specs: Sequence[FieldSpec]) -> dict[str, str]:
    """The form's text values for these fields (file uploads are not fields here)."""
    values = {}
    for spec in specs:
        raw = form.get(spec.name, "")
        values[spec.name] = raw if isinstance(raw, str) else ""
    return values


def model_input(values: Mapping[str, str], specs: Sequence[FieldSpec]) -> dict[str, str]:
    """What to validate: a blank number, choice or secret is left out (default, or "missing")."""
    return {
        spec.name: values[spec.name]
        for spec in specs
        if spec.name in values and (values[spec.name] or spec.kind == "text")
    }


def collect_errors(
    exc: ValidationError, state: FormState, names: Iterable[str], aliases: Mapping[str, str]
) -> None:
    """Put each validation error next to its field.

    Field errors carry the field in ``loc``; model-level ones (``loc`` empty) go to the
    first field their message names (``aliases`` maps other words, e.g. ``platform``), or
    above the form.
    """
    known = list(names)
    words = {**{name: name for name in known}, **aliases}
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b")
    for error in exc.errors():
        raw = str(error["msg"]).removeprefix("Value error, ")
        message = raw[:1].upper() + raw[1:]
        loc = [str(part) for part in error["loc"]]
        if loc and loc[0] in known:
            state.add(loc[0], message)
            continue
        hit = pattern.search(raw)
        state.add(words[hit.group(1)] if hit else "", message)


def initial(model: BaseModel | None, specs: Sequence[FieldSpec]) -> dict[str, str]:
    """A form's values: a stored object's (never a secret), else the defaults."""
    values = {}
    for spec in specs:
        if spec.kind == "password":
            values[spec.name] = ""
        elif model is not None:
            values[spec.name] = _text(getattr(model, spec.name))
        else:
            values[spec.name] = spec.default
    return values
