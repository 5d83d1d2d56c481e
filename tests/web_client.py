"""What the web client sends to the server, replayed through HTTP: load an
action and its views, search and group its records, run a server action on a
selection, click a button, fill a wizard.  Every answer is checked: an action,
nothing, or an error the client shows as a message; anything else is a crash
the user would see as "Oops!"."""

import json
import re
from datetime import date

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import http
from odoo.tools import safe_eval as wrapped
from odoo.tools.safe_eval import safe_eval

# Errors the web client shows as a plain message dialog.
CLEAN_ERRORS = {
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
    "odoo.exceptions.RedirectWarning",
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
}
RELATIONAL = ("many2one", "many2many", "one2many", "many2one_reference")


def arch_fields(arch):
    """Field names of a view, without those of its embedded sub-views."""
    root = etree.fromstring(arch)
    return [
        node.get("name")
        for node in root.iter("field")
        if not any(parent.tag == "field" for parent in node.iterancestors())
    ]


class WebClientMixin:
    """Helpers for an HttpCase: `self.problems` collects every crash."""

    def _client_context(self, user, **extra):
        return {
            "lang": "en_US",
            "tz": user.tz or "UTC",
            "uid": user.id,
            "allowed_company_ids": user.company_ids.ids,
            **extra,
        }

    def _eval(self, expression, context, **values):
        """A domain or context expression, as the client evaluates it."""
        if not isinstance(expression, str):
            return expression or {}
        today = date.today()
        return safe_eval(
            expression or "{}",
            {
                "context_today": lambda: today,
                "current_date": today.isoformat(),
                "datetime": wrapped.datetime,
                "relativedelta": relativedelta,
                "time": wrapped.time,
                "uid": context.get("uid"),
                "allowed_company_ids": context.get("allowed_company_ids", []),
                "active_id": context.get("active_id"),
                "active_ids": context.get("active_ids", []),
                "active_model": context.get("active_model"),
                "context": context,
                **values,
            },
        )

    def _rpc(self, where, route, **params):
        """One JSON-RPC call; returns (ok, result).  A clean error is a
        message for the user; any other answer is recorded as a crash."""
        self.calls += 1
        response = self.url_open(
            route,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": self.calls, "params": params}),
            headers={"Content-Type": "application/json"},
            timeout=300,
        )
        if response.status_code != 200:
            self.problems.append(f"{where}: HTTP {response.status_code} on {route}")
            return False, None
        payload = response.json()
        if "error" in payload:
            data = payload["error"].get("data", {})
            if data.get("name") not in CLEAN_ERRORS:
                self.problems.append(f"{where}: {data.get('name')} on {route}\n{data.get('debug', '')[-1500:]}")
            return False, data.get("name")
        return True, payload["result"]

    def _call(self, where, model, method, args, context, **kwargs):
        return self._rpc(
            where,
            f"/web/dataset/call_kw/{model}/{method}",
            model=model,
            method=method,
            args=args,
            kwargs={**kwargs, "context": context},
        )

    def _spec(self, arch, fields):
        return {
            name: {"fields": {"display_name": {}}} if fields.get(name, {}).get("type") in RELATIONAL else {}
            for name in arch_fields(arch)
            if name in fields
        }

    # ---- ACTIONS ----
    def _do_action(self, where, action_id, context, depth=0):
        """doAction(id): load it, then execute it."""
        ok, action = self._rpc(where, "/web/action/load", action_id=action_id, context=context)
        if ok and action:
            self._execute(where, action, context, depth)
        return ok

    def _execute(self, where, action, context, depth=0):
        """What the action service does with an action the server returned."""
        if not isinstance(action, dict):
            if action not in (False, None):
                self.problems.append(f"{where}: not an action: {action!r}")
            return
        kind = action.get("type")
        if kind == "ir.actions.act_window":
            self._open_window(where, action, context, depth)
        elif kind == "ir.actions.server":
            ctx = {**context, **self._eval(action.get("context"), context)}
            ok, result = self._rpc(where, "/web/action/run", action_id=action["id"], context=ctx)
            if ok:
                self._execute(where, result, context, depth + 1)
        elif kind == "ir.actions.report":
            self._download_report(where, action, context)
        elif kind == "ir.actions.act_url":
            url = action.get("url", "")
            if url.startswith("/web/content/"):
                response = self.url_open(url, timeout=120)
                if response.status_code != 200 or not response.content:
                    self.problems.append(f"{where}: download {url} answered {response.status_code}")
                self.downloads.append((where, response.headers.get("Content-Type"), response.content[:5]))
        elif kind == "ir.actions.client":
            following = (action.get("params") or {}).get("next")
            if following:
                self._execute(where, following, context, depth)
        elif kind != "ir.actions.act_window_close":
            self.problems.append(f"{where}: unknown action type {kind!r}")

    def _download_report(self, where, action, context):
        """The report service: /report/download of the report's URL."""
        action_context = action.get("context") if isinstance(action.get("context"), dict) else {}
        ids = action_context.get("active_ids") or context.get("active_ids") or []
        if not ids:
            return
        url = f"/report/pdf/{action['report_name']}/{','.join(map(str, ids))}"
        if action.get("data"):
            url = f"/report/pdf/{action['report_name']}?options={json.dumps(action['data'])}"
        response = self.url_open(
            "/report/download",
            data={
                "data": json.dumps([url, action["report_type"]]),
                "context": json.dumps({**context, **action_context}),
                "csrf_token": http.Request.csrf_token(self),
            },
            timeout=300,
        )
        if response.status_code != 200 or "Odoo Server Error" in response.text[:200]:
            self.problems.append(f"{where}: report {action['report_name']}: {response.text[:1500]}")

    def _open_window(self, where, action, context, depth):
        ctx = {**context, **self._eval(action.get("context"), context)}
        model = action["res_model"]
        views = [list(view) for view in action.get("views") or [[False, "list"], [False, "form"]]]
        search_view = action.get("search_view_id")
        views.append([search_view[0] if search_view else False, "search"])
        options = {"action_id": action.get("id") or False, "load_filters": True, "toolbar": True}
        ok, loaded = self._call(where, model, "get_views", [], ctx, views=views, options=options)
        if not ok:
            return
        fields = loaded["models"][model]["fields"]
        arches = {kind: view["arch"] for kind, view in loaded["views"].items()}
        domain = list(self._eval(action.get("domain") or "[]", ctx))
        domain, group_bys = self._search_defaults(arches.get("search"), ctx, domain)
        form_spec = self._spec(arches["form"], fields) if "form" in arches else {}
        if action.get("res_id"):
            self._call(where, model, "web_read", [[action["res_id"]]], ctx, specification=form_spec)
            return
        first_view = views[0][1]
        if first_view == "form":
            self._fill_wizard(where, model, arches["form"], form_spec, ctx, depth)
            return
        for kind in ("list", "kanban"):
            if kind not in arches:
                continue
            spec = self._spec(arches[kind], fields)
            default_group_by = etree.fromstring(arches[kind]).get("default_group_by")
            view_group_bys = group_bys or ([default_group_by] if default_group_by else [])
            ok, found = self._call(
                where, model, "web_search_read", [], ctx, domain=domain, specification=spec, limit=80
            )
            if ok and found["records"] and form_spec:
                self._call(where, model, "web_read", [[found["records"][0]["id"]]], ctx, specification=form_spec)
            for group_by in view_group_bys[:1]:
                self.grouped += 1
                self._call(where, model, "web_read_group", [], ctx, domain=domain, fields=[], groupby=[group_by])
        for kind in ("pivot", "graph"):
            if kind in arches:
                root = etree.fromstring(arches[kind])
                rows = [n.get("name") for n in root.iter("field") if n.get("type") in ("row", "col", None)]
                measures = [f"{n.get('name')}:sum" for n in root.iter("field") if n.get("type") == "measure"]
                self._call(
                    where,
                    model,
                    "read_group",
                    [],
                    ctx,
                    domain=domain,
                    fields=measures or ["__count"],
                    groupby=(group_bys or rows)[:2],
                    lazy=False,
                )

    def _search_defaults(self, search_arch, context, domain):
        """The default filters and group-bys the search panel applies."""
        group_bys = []
        if not search_arch:
            return domain, group_bys
        root = etree.fromstring(search_arch)
        for node in root.iter("filter", "field"):
            value = context.get(f"search_default_{node.get('name')}")
            if not value:
                continue
            if node.tag == "field":
                domain += [(node.get("name"), "=", value)]
                continue
            if node.get("domain"):
                domain += list(self._eval(node.get("domain"), context))
            group_by = self._eval(node.get("context") or "{}", context).get("group_by")
            if group_by:
                group_bys.append(group_by)
        return domain, group_bys

    # ---- WIZARDS AND BUTTONS ----
    def _fill_wizard(self, where, model, arch, spec, context, depth):
        """A dialog opens (onchange for the defaults), is saved, and each of
        its buttons is clicked."""
        ok, defaults = self._call(where, model, "onchange", [[], {}, [], spec], context)
        if not ok:
            return
        values = {}
        for name, value in (defaults.get("value") or {}).items():
            if isinstance(value, dict):
                value = value.get("id")
            elif isinstance(value, list):
                # Only links to existing records are sent back (Odoo's own dialogs may give records as dicts).
                links = all(isinstance(c, (list, tuple)) and c[0] == 4 for c in value)
                value = [[6, 0, [c[1] for c in value]]] if links else None
            if value is not None and not spec.get(name, {}).get("readonly"):
                values[name] = value
        ok, saved = self._call(where, model, "web_save", [[], values], context, specification={})
        if not ok or depth > 1:
            return
        for button in etree.fromstring(arch).iter("button"):
            self.clicked.add((model, button.get("name")))
            if button.get("type") == "object" and button.get("name"):
                self._click(f"{where} > {button.get('name')}", model, saved[0]["id"], button, context, depth + 1)

    def _click(self, where, model, record_id, button, context, depth=0):
        """A form/list/kanban button on one record."""
        self.buttons_clicked += 1
        values = {"id": record_id, "active_id": record_id}
        ctx = {**context, **self._eval(button.get("context") or "{}", context, **values)}
        name = button.get("name")
        if button.get("type") == "action":
            ctx = {**ctx, "active_id": record_id, "active_ids": [record_id], "active_model": model}
            action_id = int(name) if name.isdigit() else name
            self._do_action(where, action_id, ctx, depth + 1)
            return
        ok, result = self._rpc(
            where,
            f"/web/dataset/call_button/{model}/{name}",
            model=model,
            method=name,
            args=[[record_id]],
            kwargs={"context": ctx},
        )
        if ok:
            self._execute(where, result, context, depth + 1)

    def _visible(self, record, expression, context):
        """Whether a button's `invisible` expression lets it show on record."""
        if not expression:
            return True
        names = [n for n in set(re.findall(r"[a-z_][a-z0-9_]*", expression)) if n in record._fields]
        values = {}
        for name, value in record.read(names)[0].items():
            values[name] = value[0] if isinstance(value, tuple) else value
        try:
            return not self._eval(expression, context, **values)
        except Exception:  # noqa: BLE001 - an expression on the parent record: show it
            return True
