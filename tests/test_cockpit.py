from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo import Command, sql_db
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import DunningCommon

TODAY = date(2026, 3, 5)


@tagged("post_install", "-at_install")
class TestDunningCockpit(DunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_c, cls.partner_d, cls.partner_f, cls.partner_g = cls.env["res.partner"].create(
            [{"name": f"Customer {letter}", "email": f"{letter}@example.com", "is_company": True} for letter in "CDFG"]
        )
        cls.partners = cls.partner_a | cls.partner_b | cls.partner_c | cls.partner_d | cls.partner_f | cls.partner_g

    def _book(self):
        """Invoices at every level, age and hold, as on 5 March 2026:

        ======  ========  ======  ==========  =====  ========  ======================
        inv     customer  amount  due         level  aging     other
        ======  ========  ======  ==========  =====  ========  ======================
        a1      A         1000    2026-01-01  3      61-90
        a2      A         200     2026-03-01  -      1-30      on hold until 1 April
        e       B         400     2025-11-01  3      over 90   formal notice to validate
        b1      B         400     2026-01-20  1      31-60     500, 100 paid; level 2 waits
        c1      C         300     2026-02-01  1      31-60     on hold until 1 March
        d1      D         700     2026-04-30  -      not due
        d2      D         150     2026-03-03  -      1-30
        f1      F         600     2026-02-20  -      1-30      100 credit note unapplied
        g1      G         250     2026-02-25  1      1-30
        ======  ========  ======  ==========  =====  ========  ======================
        """
        inv = {
            "a1": self._invoice(self.partner_a, 1000.0, "2026-01-01"),
            "a2": self._invoice(self.partner_a, 200.0, "2026-03-01"),
            "e": self._invoice(self.partner_b, 400.0, "2025-11-01"),
            "b1": self._invoice(self.partner_b, 500.0, "2026-01-20"),
            "c1": self._invoice(self.partner_c, 300.0, "2026-02-01"),
            "d1": self._invoice(self.partner_d, 700.0, "2026-04-30"),
            "d2": self._invoice(self.partner_d, 150.0, "2026-03-03"),
            "f1": self._invoice(self.partner_f, 600.0, "2026-02-20"),
            "g1": self._invoice(self.partner_g, 250.0, "2026-02-25"),
        }
        self._invoice(self.partner_f, 100.0, "2026-02-01", move_type="out_refund")
        paid = self._invoice(self.partner_a, 999.0, "2026-01-10")
        self._pay(paid, pay_date=date(2026, 1, 5))
        self._invoice(self.partner_a, 555.0, "2026-01-01", post=False)
        # Runs closer together than the policy's most reminders per period allow.
        self.policy.max_reminders = 0
        for day in ("2026-01-02", "2026-01-16", "2026-01-21", "2026-01-31", "2026-02-02"):
            self._run(day)
        inv["c1"]._dunning_put_on_hold("promise", until=date(2026, 3, 1))
        inv["a2"]._dunning_put_on_hold("dispute", until=date(2026, 4, 1))
        reminders, _stats = self._run("2026-02-16", partner_ids=self.partner_b.ids)
        self.assertEqual(reminders.state, "to_validate")
        self._run("2026-02-26", partner_ids=self.partner_g.ids)
        self._pay(inv["b1"], amount=100.0, pay_date=date(2026, 2, 20))
        return inv

    def _analysis(self, groupby):
        with freeze_time(TODAY):
            return self.env["account.dunning.analysis"]._read_group(
                [("partner_id", "in", self.partners.ids)], groupby, ["amount_residual:sum", "__count"]
            )

    def test_analysis_by_level_and_aging(self):
        inv = self._book()
        l1, _l2, l3, _l4, _l5 = self.levels
        by_level = {level: (amount, count) for level, amount, count in self._analysis(["level_id"])}
        # The level of the last reminder that went out: B's formal notice
        # waits for validation, so e and b1 stay where the last letter left them.
        self.assertEqual(
            by_level,
            {
                l1: (950.0, 3),
                l3: (1400.0, 2),
                self.env["account.dunning.level"]: (1650.0, 4),
            },
        )
        by_aging = {aging: (amount, count) for aging, amount, count in self._analysis(["aging"])}
        self.assertEqual(
            by_aging,
            {
                "not_due": (700.0, 1),
                "1_30": (1200.0, 4),
                "31_60": (700.0, 2),
                "61_90": (1000.0, 1),
                "over_90": (400.0, 1),
            },
        )
        by_hold = {hold: amount for hold, amount, _count in self._analysis(["on_hold"])}
        self.assertEqual(by_hold, {True: 500.0, False: 3500.0})
        with freeze_time(TODAY):
            rows = self.env["account.dunning.analysis"].search([("partner_id", "in", self.partners.ids)])
            row = rows.filtered(lambda r: r.move_id == inv["b1"])
            self.assertEqual(
                (row.date_due, row.days_overdue, row.last_reminder_date, row.company_id, row.policy_id),
                (date(2026, 1, 20), 44, date(2026, 1, 31), self.company, self.policy),
            )
            # Each row's level is the invoice's own level.
            self.assertEqual(
                {r.move_id: r.level_id for r in rows},
                {move: move.dunning_level_id for move in rows.move_id},
            )
            held = rows.filtered("on_hold")
            self.assertEqual(
                {(r.move_id, r.hold_reason, r.hold_until) for r in held},
                {(inv["c1"], "promise", date(2026, 3, 1)), (inv["a2"], "dispute", date(2026, 4, 1))},
            )
            # g1 got its first reminder on 26 February: level 2 is due 15 days
            # late (12 March), 10 days after that reminder (8 March).
            self.assertEqual(rows.filtered(lambda r: r.move_id == inv["g1"]).next_date, date(2026, 3, 12))
            self.assertEqual(inv["g1"].dunning_next_date, date(2026, 3, 12))
            self.assertFalse(rows.filtered(lambda r: r.move_id == inv["e"]).responsible_id)

    def test_partner_status_matches_partner_fields(self):
        self._book()
        l1, _l2, l3, _l4, _l5 = self.levels
        expected = {
            # status, highest level sent, overdue amount, oldest days, next reminder, to validate
            self.partner_a: ("in_progress", l3, 1200.0, 63, TODAY, 0),
            self.partner_b: ("manual", l3, 800.0, 124, TODAY, 1),
            self.partner_c: ("blocked", False, 300.0, 0, False, 0),
            self.partner_d: ("none", False, 150.0, 2, TODAY, 0),
            self.partner_f: ("manual", False, 600.0, 13, TODAY, 0),
            self.partner_g: ("in_progress", l1, 250.0, 8, date(2026, 3, 12), 0),
        }
        Status = self.env["account.dunning.partner.status"]
        with freeze_time(TODAY):
            rows = Status.search([("partner_id", "in", self.partners.ids)])
            got = {
                row.partner_id: (
                    row.status,
                    row.level_id or False,
                    row.overdue_amount,
                    row.oldest_days,
                    row.next_date,
                    row.to_validate_count,
                )
                for row in rows
            }
            self.assertEqual(got, expected)
            self.partners.invalidate_recordset()
            from_partner = {
                partner: (
                    partner.dunning_status,
                    partner.dunning_max_level_id or False,
                    partner.dunning_overdue_amount,
                    partner.dunning_oldest_days,
                    partner.dunning_next_date,
                )
                for partner in self.partners
            }
            self.assertEqual(from_partner, {partner: values[:5] for partner, values in expected.items()})
            todo = Status.search(
                safe_eval(self._filter_domain("todo"), {"context_today": lambda: TODAY})
                + [("partner_id", "in", self.partners.ids)]
            )
            self.assertEqual(
                todo.partner_id, self.partner_a | self.partner_b | self.partner_d | self.partner_f, "not C nor G"
            )
            by_status = dict(Status._read_group([("id", "in", rows.ids)], ["status"], ["__count"]))
            self.assertEqual(by_status, {"in_progress": 2, "manual": 2, "blocked": 1, "none": 1})

    def _filter_domain(self, name):
        arch = self.env.ref("account_dunning.account_dunning_partner_status_view_search").arch
        return etree.fromstring(arch).xpath(f"//filter[@name='{name}']")[0].get("domain")

    def test_expired_holds_action(self):
        held = {
            name: self._invoice(self.partner_a, amount, "2026-01-01")
            for name, amount in (("yesterday", 10.0), ("today", 20.0), ("tomorrow", 30.0), ("no_date", 40.0))
        }
        free = self._invoice(self.partner_a, 50.0, "2026-01-01")
        paid = self._invoice(self.partner_b, 60.0, "2026-01-01")
        held["yesterday"]._dunning_put_on_hold("promise", until=date(2026, 3, 4))
        held["today"]._dunning_put_on_hold("promise", until=TODAY)
        held["tomorrow"]._dunning_put_on_hold("promise", until=date(2026, 3, 6))
        held["no_date"]._dunning_put_on_hold("dispute")
        paid._dunning_put_on_hold("promise", until=date(2026, 2, 1))
        self._pay(paid, pay_date=date(2026, 2, 10))
        action = self.env["ir.actions.act_window"]._for_xml_id("account_dunning.action_move_dunning_expired_holds")
        domain = safe_eval(action["domain"], {"context_today": lambda: TODAY})
        expired = self.env["account.move"].search(domain)
        # The hold ends on its date: that day dunning resumes (the nightly run
        # releases it).
        self.assertEqual(expired, held["yesterday"] | held["today"])
        self.assertNotIn(free, expired)
        with freeze_time(TODAY):
            self.engine._release_expired_holds(TODAY)
        self.assertFalse(self.env["account.move"].search(domain))

    def test_policy_and_responsible_per_company(self):
        """Own policy, else a tag's, else the company default; the responsible
        is company-dependent, with the ir.default fallback."""
        tag = self.env["res.partner.category"].create({"name": "Public sector"})
        tag_policy = self.policy.copy({"name": "Public sector", "is_default": False, "partner_category_ids": [tag.id]})
        own_policy = self.policy.copy({"name": "Key account", "is_default": False})
        self.partner_b.category_id = tag
        self.partner_c.write({"category_id": [tag.id], "dunning_policy_id": own_policy.id})
        policies = self.env["account.dunning.policy"]._policies_for_partners(
            self.partner_a | self.partner_b | self.partner_c, self.company
        )
        self.assertEqual(
            policies, {self.partner_a.id: self.policy, self.partner_b.id: tag_policy, self.partner_c.id: own_policy}
        )
        accountant = new_test_user(self.env, login="chaser", groups="account.group_account_invoice")
        fallback = new_test_user(self.env, login="chaser_default", groups="account.group_account_invoice")
        self.partner_a.dunning_responsible_id = accountant
        self.env["ir.default"].set("res.partner", "dunning_responsible_id", fallback.id, company_id=self.company.id)
        for partner in (self.partner_a, self.partner_b, self.partner_c):
            self._invoice(partner, 100.0, "2026-01-01")
        with freeze_time(TODAY):
            rows = self.env["account.dunning.analysis"].search(
                [("partner_id", "in", (self.partner_a | self.partner_b | self.partner_c).ids)]
            )
        self.assertEqual(
            {(r.partner_id, r.policy_id, r.responsible_id) for r in rows},
            {
                (self.partner_a, self.policy, accountant),
                (self.partner_b, tag_policy, fallback),
                (self.partner_c, own_policy, fallback),
            },
        )
        self.assertEqual(self.partner_b.with_company(self.company).dunning_responsible_id, fallback)

    def test_partner_fields_query_count_does_not_grow(self):
        customers = self.env["res.partner"].create(
            [{"name": f"Client {i}", "email": f"client{i}@example.com", "is_company": True} for i in range(30)]
        )
        for customer in customers:
            self._invoice(customer, 100.0, "2026-01-01")
            self._invoice(customer, 50.0, "2026-02-20")
        self._run("2026-01-05")
        fnames = [
            "dunning_status",
            "dunning_max_level_id",
            "dunning_overdue_amount",
            "dunning_oldest_days",
            "dunning_next_date",
        ]

        def queries(partners):
            self.env.flush_all()
            self.env.invalidate_all()
            before = sql_db.sql_counter
            values = partners.read(fnames)
            return sql_db.sql_counter - before, values

        with freeze_time(TODAY):
            queries(customers[:5])  # warm the registry caches (rules, defaults)
            small, values = queries(customers[:5])
            large, values = queries(customers)
        self.assertEqual(small, large)
        self.assertLess(large, 12)
        self.assertEqual(
            {(v["dunning_status"], v["dunning_overdue_amount"], v["dunning_oldest_days"]) for v in values},
            {("in_progress", 150.0, 63)},
        )
        self.assertEqual(len(values), 30)

    def test_multi_company_rows(self):
        company_data_2 = self.setup_other_company(name="Dunning company 2")
        company_2 = company_data_2["company"]
        self.env.user.company_ids |= company_2
        self._invoice(self.partner_a, 100.0, "2026-01-01")
        user = new_test_user(
            self.env,
            login="dunning_one_company",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        move_2 = (
            self.env["account.move"]
            .with_company(company_2)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_a.id,
                    "invoice_date": "2025-12-01",
                    "invoice_date_due": "2026-01-01",
                    "invoice_payment_term_id": False,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Other company",
                                "quantity": 1,
                                "price_unit": 700.0,
                                "tax_ids": [Command.clear()],
                                "account_id": company_data_2["default_account_revenue"].id,
                            }
                        )
                    ],
                }
            )
        )
        move_2.action_post()
        with freeze_time(TODAY):
            both = self.env["account.dunning.partner.status"].with_context(
                allowed_company_ids=[self.company.id, company_2.id]
            )
            rows = both.search([("partner_id", "=", self.partner_a.id)])
            self.assertEqual(
                {(row.company_id, row.overdue_amount) for row in rows},
                {(self.company, 100.0), (company_2, 700.0)},
            )
            mine = self.env["account.dunning.partner.status"].with_user(user).search([])
            self.assertEqual(mine.company_id, self.company)
            analysis = self.env["account.dunning.analysis"].with_user(user).search([])
            self.assertNotIn(move_2, analysis.move_id)
            # The partner's own fields speak for the current company only.
            self.assertEqual(self.partner_a.with_company(company_2).dunning_overdue_amount, 700.0)
            self.assertEqual(self.partner_a.with_company(self.company).dunning_overdue_amount, 100.0)

    def test_kanban_and_card_buttons(self):
        self._book()
        Status = self.env["account.dunning.partner.status"]
        views = Status.get_views([(False, "kanban"), (False, "list"), (False, "search")])
        self.assertEqual(set(views["views"]), {"kanban", "list", "search"})
        analysis_views = self.env["account.dunning.analysis"].get_views(
            [(False, "pivot"), (False, "graph"), (False, "list"), (False, "search")]
        )
        self.assertEqual(set(analysis_views["views"]), {"pivot", "graph", "list", "search"})
        with freeze_time(TODAY):
            groups = Status.web_read_group(
                [("partner_id", "in", self.partners.ids)], ["overdue_amount:sum"], ["status"]
            )["groups"]
            self.assertEqual(
                [(group["status"], group["status_count"]) for group in groups],
                [("none", 1), ("in_progress", 2), ("manual", 2), ("blocked", 1), ("litigation", 0)],
                "every status has its column, in the selection's order",
            )
            self.assertEqual([group["overdue_amount"] for group in groups[:4]], [150.0, 1450.0, 1400.0, 300.0])

            row_d = Status.search([("partner_id", "=", self.partner_d.id)])
            self.assertEqual(row_d.action_open_partner()["res_id"], self.partner_d.id)
            action = row_d.action_send_reminder()
            wizard = Form(self.env["account.dunning.send"].with_context(**action["context"]))
            wizard.save().action_send()
            reminder = self.env["account.dunning.reminder"].search([("partner_id", "=", self.partner_d.id)])
            self.assertEqual((reminder.level_id, reminder.state, reminder.origin), (self.levels[0], "sent", "manual"))
            row_d.invalidate_recordset()
            row_d = Status.search([("partner_id", "=", self.partner_d.id)])
            # Level 2 is due 15 days after 3 March, and 10 days after today.
            self.assertEqual(
                (row_d.status, row_d.level_id, row_d.next_date), ("in_progress", self.levels[0], date(2026, 3, 18))
            )

            action = Status.search([("partner_id", "=", self.partner_g.id)]).action_send_now()
            self.assertIn("1 reminder(s) created", action["params"]["message"])
