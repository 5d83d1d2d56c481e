import logging
from contextlib import contextmanager
from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from ..models.account_dunning_reminder import internal_change
from .common import DunningCommon
from .web_client import WebClientMixin

_logger = logging.getLogger(__name__)

MODULE = "account_dunning"


@tagged("post_install", "-at_install")
class TestWebClient(WebClientMixin, DunningCommon, HttpCase):
    """Every menu, bound action and button of the addon, used through the web
    client's own requests by a dunning manager and by a billing user: each
    answers with an action, nothing, or a message, never a crash."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        users = {"company_id": company.id, "company_ids": company.ids}
        cls.manager = new_test_user(
            cls.env,
            login="web_dunning_manager",
            groups=f"base.group_user,account.group_account_invoice,{MODULE}.group_dunning_manager",
            **users,
        )
        cls.billing = new_test_user(
            cls.env,
            login="web_billing_user",
            groups=f"base.group_user,account.group_account_invoice,{MODULE}.group_dunning_user",
            **users,
        )
        # An auditor reads the dunning: whatever the client offers them
        # answers too, at worst with a message.
        cls.auditor = new_test_user(
            cls.env, login="web_auditor", groups="base.group_user,account.group_account_readonly", **users
        )
        cls._dunning_in_every_state()

    @classmethod
    def _dunning_in_every_state(cls):
        """Customers at each level today: sent by email, with a letter to post,
        with fees, formal notices to validate, a call to make, a failure and a
        cancelled reminder."""
        cls.policy.max_level_jump = 5
        cls._fees_invoiced()
        cls._flat_rates(4.0, 3.0)
        today = fields.Date.today()
        address = {"is_company": True, "street": "2 quai Saint-Antoine", "zip": "69002", "city": "Lyon"}
        late = {"Courteous": 5, "Letter": 20, "Fees": 35, "Notice": 50, "Notice Bis": 50, "Call": 65, "Cancel": 5}
        customers = cls.env["res.partner"].create(
            [{"name": f"Web {name}", "email": f"{name.lower()}@web.example", **address} for name in late]
            + [{"name": "Web No Email", **address}]
        )
        cls.customers = customers
        by_name = {c.name.removeprefix("Web "): c for c in customers}
        cls.invoices = cls.env["account.move"]
        for name, days in (late | {"No Email": 5}).items():
            cls.invoices |= cls._invoice(by_name[name], 100.0 * days, today - timedelta(days=days))
        # The checks before chasing find something to fix: credits to apply, an invoice never sent.
        credits, unsent = cls.env["res.partner"].create(
            [
                {"name": f"Web {name}", "email": f"{name.lower()}@web.example", **address}
                for name in ("Credits", "Unsent")
            ]
        )
        cls.customers |= credits | unsent
        cls._invoice(credits, 100.0, today - timedelta(days=5))
        cls._invoice(credits, 200.0, today - timedelta(days=5), move_type="out_refund")
        cls._invoice(unsent, 100.0, today - timedelta(days=5), sent=False)
        # "No Email" gets a reminder that fails when sent, not one never created.
        cls.policy.check_email = False
        reminders, _stats = cls.engine.with_context(force_report_rendering=True)._run(cls.company, today)
        of = {r.partner_id.name.removeprefix("Web "): r for r in reminders}
        with internal_change():
            of["Call"].action_validate()
            of["Cancel"].action_cancel()
            if of["No Email"].state != "failed":
                of["No Email"]._set_state("failed", "No email address")
        cls.reminders = reminders
        # A promise to pay that expired today: listed under Expired Holds.
        cls.invoices[:1]._dunning_put_on_hold("promise", today)
        # A payment plan a customer asked for from the pay-online page, to decide.
        courteous = of["Courteous"].with_context(lang="en_US")
        courteous._record_answer("plan", courteous._moves_still_open(), {"installments": "3"})
        # Payment plans: one drawn up, one running whose break waits for a manager.
        planner = cls.env["res.partner"].create({"name": "Web Plan", "email": "plan@web.example", **address})
        Plan = cls.env["account.dunning.payment.plan"]
        for _index in range(2):
            invoice = cls._invoice(planner, 400.0, today + timedelta(days=10))
            plan = Plan.browse(invoice.action_dunning_payment_plan()["res_id"])
            plan.action_compute_installments()
        plan.action_start()
        plan.break_pending = True
        # Letter experiments: one to start, one running whose winner waits to be promoted.
        level = cls.levels[0]
        Variant = cls.env["account.dunning.variant"]
        variants = Variant.create(
            [{"name": "A", "level_id": level.id, "is_default": True}, {"name": "B", "level_id": level.id}]
        )
        Experiment = cls.env["account.dunning.experiment"]
        experiment_values = {"policy_id": cls.policy.id, "level_id": level.id, "variant_ids": [(6, 0, variants.ids)]}
        Experiment.create({"name": "Web Draft", **experiment_values})
        running = Experiment.create({"name": "Web Running", **experiment_values})
        running.action_start()
        running.winner_id = variants[1]
        # The customers' payment risk, measured as the nightly run does.
        cls.env["account.dunning.partner.risk"]._refresh(cls.company, today)

    def setUp(self):
        super().setUp()
        self.problems, self.downloads, self.clicked = [], [], set()
        self.calls = self.buttons_clicked = self.grouped = 0

    @contextmanager
    def _rolled_back(self):
        """Each check starts from the same records: what an action did
        (reminders sent, cancelled) is undone before the next one."""
        self.env.flush_all()
        self.env.cr.execute("SAVEPOINT web_client_check")
        try:
            yield
        finally:
            self.env.cr.execute("ROLLBACK TO SAVEPOINT web_client_check")
            self.env.invalidate_all()

    def _as(self, user):
        self.authenticate(user.login, user.login)
        return self._client_context(user)

    def _addon_records(self, model):
        data = self.env["ir.model.data"].search([("module", "=", MODULE), ("model", "=", model)])
        return self.env[model].browse(data.mapped("res_id")).exists()

    def _pool(self, model):
        """The records a user selects in a list of `model`."""
        pools = {
            "account.dunning.reminder": self.reminders,
            "account.move": self.invoices,
            "res.partner": self.customers,
        }
        if model in pools:
            return pools[model]
        if model in ("account.dunning.partner.status", "account.dunning.check.result"):
            return self.env[model].search([("partner_id", "in", self.customers.ids)])
        return self.env[model].search([], limit=5)

    def _selections(self, model, context):
        """One record of each state, several in mixed states, and the whole
        list selected (its domain)."""
        pool = self._pool(model)
        by_state = pool.grouped("state").values() if "state" in pool._fields else [pool]
        selections = [
            (f"one {r._name} ({r['state'] if 'state' in r._fields else r.id})", r.ids, False)
            for r in (records[:1] for records in by_state)
            if r
        ]
        selections.append(("mixed selection", pool.ids, False))
        ok, everything = self._call("select all", model, "search", [[]], context, limit=20000)
        if ok:
            selections.append(("select all", everything, []))
        return selections

    # ---- MENUS ----
    def _check_menus(self, user):
        context = self._as(user)
        response = self.url_open(f"/web/webclient/load_menus/{user.id}")
        self.assertEqual(response.status_code, 200)
        visible = {menu["xmlid"]: menu for menu in response.json().values()}
        addon_menus = self._addon_records("ir.ui.menu")
        covered = 0
        for menu in addon_menus:
            xmlid = menu.get_external_id()[menu.id]
            if xmlid not in visible:
                continue
            # Its parents are visible too, or the menu could not be reached.
            parent = menu.parent_id
            while parent:
                self.assertIn(parent.get_external_id()[parent.id], visible, f"{xmlid}: parent hidden from {user.login}")
                parent = parent.parent_id
            if visible[xmlid]["actionID"]:
                with self._rolled_back():
                    self._do_action(f"{user.login}: menu {xmlid}", visible[xmlid]["actionID"], context)
            covered += 1
        return covered, {m.get_external_id()[m.id] for m in addon_menus} & set(visible)

    # ---- BOUND ACTIONS ----
    def _bound_actions(self):
        return [
            action
            for model in ("ir.actions.server", "ir.actions.act_window", "ir.actions.report")
            for action in self._addon_records(model).filtered("binding_model_id")
        ]

    def _check_bound_actions(self, user):
        context = self._as(user)
        covered = 0
        for action in self._bound_actions():
            model = action.binding_model_id.model
            ok, loaded = self._call(
                "toolbar",
                model,
                "get_views",
                [],
                context,
                views=[[False, "list"], [False, "form"]],
                options={"toolbar": True},
            )
            if not ok:
                continue
            offered = {
                a["id"]
                for view in loaded["views"].values()
                for group in view.get("toolbar", {}).values()
                for a in group
            }
            if action.id not in offered:
                continue
            covered += 1
            for label, ids, active_domain in self._selections(model, context):
                ctx = {**context, "active_model": model, "active_id": ids[0], "active_ids": ids}
                if active_domain is not False:
                    ctx["active_domain"] = active_domain
                with self._rolled_back():
                    self._do_action(f"{user.login}: {action.name} ({model}) on {label}", action.id, ctx)
        return covered

    # ---- BUTTONS ----
    def _addon_buttons(self):
        """(view to load, button) of every object/action button the addon's
        views add, inherited views included."""
        buttons = []
        for view in self._addon_records("ir.ui.view"):
            root = view
            while root.mode == "extension" and root.inherit_id:
                root = root.inherit_id
            for button in etree.fromstring(view.arch).iter("button"):
                if button.get("type") in ("object", "action") and button.get("name"):
                    buttons.append((root, button.get("name")))
        return buttons

    def _check_buttons(self, user):
        context = self._as(user)
        covered, unclicked = 0, []
        for root, name in self._addon_buttons():
            if self.env[root.model].is_transient():
                # A wizard's buttons are clicked when the wizard opens (below).
                continue
            ok, loaded = self._call("view", root.model, "get_views", [], context, views=[[root.id, root.type]])
            if not ok:
                continue
            arch = etree.fromstring(loaded["views"][root.type]["arch"])
            # Resolved names: `%(xmlid)d` became the action's id.
            wanted = str(self.env.ref(name[2:-2]).id) if name.startswith("%(") else name
            for button in (b for b in arch.iter("button") if b.get("name") == wanted):
                # A button in the list of a one2many field acts on that line's record.
                model = self._button_model(root.model, button)
                record = next(
                    (r for r in self._pool(model) if self._visible(r, button.get("invisible"), context)), None
                )
                if record is None:
                    unclicked.append(f"{model}.{name} ({button.get('invisible')})")
                    continue
                covered += 1
                with self._rolled_back():
                    self._click(
                        f"{user.login}: button {model}.{name} on {record.display_name}",
                        model,
                        record.id,
                        button,
                        context,
                    )
        return covered, unclicked

    def _button_model(self, model, button):
        """The model a button acts on: the view's, or that of the x2many
        field whose list or form holds it."""
        fields = [e.get("name") for e in reversed(list(button.iterancestors("field")))]
        for name in fields:
            model = self.env[model]._fields[name].comodel_name
        return model

    def test_every_menu_action_and_button(self):
        self.assertEqual(set(self.reminders.mapped("state")), {"sent", "to_validate", "failed", "cancelled"})
        letters_to_post = self.reminders.filtered_domain(self.reminders._letters_to_post_domain())
        self.assertTrue(letters_to_post.fee_move_ids, "a letter to post, with fees")
        counts = {}
        for user in (self.manager, self.billing, self.auditor):
            self.clicked = set()
            menus, reached = self._check_menus(user)
            actions = self._check_bound_actions(user)
            buttons, unclicked = self._check_buttons(user)
            if user.has_group("account_dunning.group_dunning_user"):
                unclicked += [
                    f"{root.model}.{name} (wizard never opened)"
                    for root, name in self._addon_buttons()
                    if self.env[root.model].is_transient() and (root.model, name) not in self.clicked
                ]
            counts[user.login] = (menus, actions, buttons)
            self.assertFalse(unclicked, f"{user.login}: no record shows these buttons")
            if user == self.manager:
                self.assertEqual(
                    reached,
                    set(self._addon_records("ir.ui.menu").get_external_id().values()),
                    "a dunning manager reaches every dunning menu",
                )
        _logger.info(
            "Web client coverage: %s menus, %s bound actions, %s buttons of the addon; per user "
            "(menus, actions, buttons): %s; %s requests, %s clicks, %s grouped searches",
            len(self._addon_records("ir.ui.menu")),
            len(self._bound_actions()),
            len(self._addon_buttons()),
            counts,
            self.calls,
            self.buttons_clicked,
            self.grouped,
        )
        self.assertFalse(self.problems, "\n\n".join(self.problems))
        covered = [counts[self.manager.login], counts[self.billing.login], counts[self.auditor.login][:1]]
        self.assertTrue(all(all(count) for count in covered), f"nothing covered: {counts}")
        letters = {kind for where, kind, _start in self.downloads if "menu_dunning_print_letters" in where}
        self.assertEqual(letters, {"application/pdf"}, "Print Letters to Post downloads the letters' PDF")

    def test_billing_user_logs_a_call_result(self):
        """A billing user who may not edit contacts logs what the customer
        said: the note lands on the reminder and the customer, the call is done."""
        self.assertFalse(self.billing.has_group("base.group_partner_manager"))
        reminder = self.reminders.filtered(lambda r: r.partner_id.name == "Web Call")
        self.assertTrue(reminder.call_activity_id.active)
        context = self._as(self.billing)
        ok, action = self._rpc(
            "Log Call Result",
            "/web/dataset/call_button/account.dunning.reminder/action_log_call_result",
            model="account.dunning.reminder",
            method="action_log_call_result",
            args=[reminder.ids],
            kwargs={"context": context},
        )
        self.assertTrue(ok, self.problems)
        wizard_context = {**context, **action["context"]}
        ok, saved = self._call(
            "save",
            "account.dunning.call.result",
            "web_save",
            [[], {"outcome": "no_answer", "note": "Voicemail"}],
            wizard_context,
            specification={},
        )
        self.assertTrue(ok, self.problems)
        ok, result = self._rpc(
            "Log",
            "/web/dataset/call_button/account.dunning.call.result/action_apply",
            model="account.dunning.call.result",
            method="action_apply",
            args=[[saved[0]["id"]]],
            kwargs={"context": wizard_context},
        )
        self.assertEqual((ok, result), (True, {"type": "ir.actions.act_window_close"}), self.problems)
        self.env.invalidate_all()
        self.assertFalse(reminder.call_activity_id.active, "the call is done")
        note = reminder.partner_id.message_ids[:1]
        self.assertIn("Voicemail", note.body)
        self.assertEqual(note.author_id, self.billing.partner_id)
