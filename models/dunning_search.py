"""Searching the dunning fields computed from the analysis SQL.

The dunning figures of invoices and customers (days overdue, level, next
reminder date, status...) are computed from SQL views, not stored.  Searching
them goes through those views: the condition is applied to the view's rows,
and records without a row (paid invoices, bank entries, customers with
nothing overdue) match only when the condition holds for the value they show.
"""

import operator as py_operator

from odoo import _
from odoo.exceptions import UserError
from odoo.osv import expression

COMPARISONS = {
    "=": py_operator.eq,
    "!=": py_operator.ne,
    "<": py_operator.lt,
    "<=": py_operator.le,
    ">": py_operator.gt,
    ">=": py_operator.ge,
}
SUPPORTED = (*COMPARISONS, "in", "not in", "like", "ilike", "not like", "not ilike", "=like", "=ilike")


def matches_default(default, operator, value):
    """Whether a record showing `default` (no row in the view) satisfies
    `(field, operator, value)`, with SQL's rules: no value compares with
    nothing, and a pattern never matches an empty field."""
    if operator in ("in", "not in"):
        values = value if isinstance(value, (list, tuple)) else [value]
        found = default in values or (not default and any(v is False or v is None for v in values))
        return found if operator == "in" else not found
    if operator in ("not like", "not ilike"):
        return True
    if operator in ("like", "ilike", "=like", "=ilike"):
        return False
    if operator in ("=", "!="):
        equal = default == value or (not default and value in (False, None))
        return equal if operator == "=" else not equal
    if default is False or default is None or value is False or value is None:
        return False
    return COMPARISONS[operator](default, value)


def search_through(view, view_field, link, operator, value, default, extra_domain=(), field="id"):
    """Domain on `field` of the searched model for `(view_field, operator,
    value)` of the SQL view `view` (a model), whose rows point to the
    searched records by `link` (a column of the view); records without a
    row show `default`."""
    if operator not in SUPPORTED:
        raise UserError(_("This dunning field cannot be searched with the operator %s.", operator))
    condition = [(view_field, operator, value)]
    view = view.with_context(active_test=False)
    if matches_default(default, operator, value):
        # Every record, except those whose row does not match.
        query = view._search(expression.AND([list(extra_domain), ["!", *condition]]))
        return [(field, "not in", query.subselect(link))]
    query = view._search(expression.AND([list(extra_domain), condition]))
    return [(field, "in", query.subselect(link))]
