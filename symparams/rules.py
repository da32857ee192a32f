"""Size rules (Constraint records: 'positive', 'integer', 'nonnegative'): how a broken
one reads, in one wording whether it breaks as written or once numbers are substituted,
and the one way a rule is checked now or kept open."""
from __future__ import annotations

from .text import expr_text


def broken_rule_message(constraint, value, point=(), substituted: bool = False) -> str:
    """`layer: what is VALUE, which is not positive`; `point` gives the repeat indices it
    breaks at (`at i = 2`); `substituted`: VALUE comes from numbers given later."""
    where = "".join(f" at {index} = {at}" for index, at in point)
    head = f"{constraint.layer}: {constraint.description}"
    if constraint.kind == "integer":
        return f"{head} (it comes to {expr_text(value)}{where})"
    verb = "becomes" if substituted else "is"
    broken = "which is negative" if constraint.kind == "nonnegative" else "which is not positive"
    return f"{head} {verb} {expr_text(value)}{where}, {broken}"


def check_or_keep(constraint, pending: list):
    """Raise the rule's ConstraintError now if it is already broken; keep it in `pending`
    while the symbols leave it open."""
    def message():
        point, value = constraint.violation()
        return broken_rule_message(constraint, value, point)
    constraint.enforce(pending, message)
