from freezegun import freeze_time

from odoo import sql_db
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestListActions(DunningCommon):
    def _book(self, partners, invoices_each):
        customers = self.env["res.partner"].create(
            [
                {
                    "name": f"Customer {i}",
                    "email": f"c{i}@example.com",
                    "is_company": True,
                    "street": f"{i} rue Mercière",
                    "zip": "69002",
                    "city": "Lyon",
                }
                for i in range(partners)
            ]
        )
        moves = self.env["account.move"]
        for customer in customers:
            for day in range(invoices_each):
                moves |= self._invoice(customer, 100.0 + day, f"2026-01-0{day + 1}")
        return customers, moves

    def _queries(self, function):
        self.env.flush_all()
        before = sql_db.sql_counter
        result = function()
        self.env.flush_all()
        return result, sql_db.sql_counter - before

    def test_send_now_on_hundreds_of_invoices(self):
        customers, moves = self._book(60, 3)
        with freeze_time("2026-01-20"):
            action, queries = self._queries(moves.action_dunning_send_now)
        reminders = self.env["account.dunning.reminder"].search([("partner_id", "in", customers.ids)])
        self.assertEqual(len(reminders), 60)
        self.assertEqual(set(reminders.mapped("state")), {"sent"})
        self.assertEqual(len(reminders.line_ids), 180)
        self.assertIn("60 reminder(s) created", action["params"]["message"])
        # Selecting, planning and creating cost a fixed number of queries; what
        # grows is sending (one mail rendering per reminder).
        self.assertLess(queries / len(reminders), 40, f"{queries} queries for 60 reminders")
        with freeze_time("2026-01-20"):
            action = moves.action_dunning_send_now()
        self.assertIn("60 skipped: already reminded today", action["params"]["message"])
        customers[:2].dunning_excluded = True
        with freeze_time("2026-01-21"):
            action = customers[:3].action_dunning_send_now()
        self.assertIn("2 skipped: customer set to Do Not Dun", action["params"]["message"])

    def test_hold_and_release_hundreds(self):
        _customers, moves = self._book(50, 4)
        with freeze_time("2026-01-20"):
            wizard = Form(
                self.env["account.dunning.hold"].with_context(active_model="account.move", active_ids=moves.ids)
            )
            wizard.reason = "promise"
            wizard.until = "2026-02-01"
            wizard.note = "Promised on the phone"
            _result, queries = self._queries(wizard.save().action_apply)
        self.assertEqual(set(moves.mapped("dunning_block_reason")), {"promise"})
        self.assertLess(queries, 40, f"{queries} queries to hold 200 invoices")
        self.assertIn("Promised on the phone", moves[0].message_ids[0].body)
        reminders, _stats = self._run("2026-01-25")
        self.assertFalse(reminders, "all on hold")
        action = (moves[:10] | self.env["account.move"].browse()).action_dunning_release_hold()
        self.assertIn("10 invoice(s) released", action["params"]["message"])
        reminders, _stats = self._run("2026-01-26")
        self.assertEqual(len(reminders.line_ids), 10)

    def test_validate_and_cancel_from_a_list(self):
        self.policy.max_level_jump = 5
        customers, _moves = self._book(20, 1)
        reminders, stats = self._run("2026-02-20")
        self.assertEqual(stats["to_validate"], 20)
        sent_one = reminders[:1]
        with freeze_time("2026-02-20"):
            sent_one.action_validate()
            action = reminders.action_validate()
        self.assertIn("19 sent, 0 failed", action["params"]["message"])
        self.assertIn("1 skipped", action["params"]["message"])
        self.assertEqual(set(reminders.mapped("state")), {"sent"})
        action = reminders[:5].action_cancel()
        self.assertIn("5 cancelled", action["params"]["message"])
        self.assertEqual(len(customers), 20)

    def test_escalate_to_next_level(self):
        """A manager moves selected invoices one level up before their time."""
        l1, l2, l3 = self.levels[:3]
        first = self._invoice(self.partner_a, 100.0, "2026-01-01")
        second = self._invoice(self.partner_a, 200.0, "2026-01-01")
        other = self._invoice(self.partner_b, 300.0, "2026-01-01")
        self._run("2026-01-02")
        self.assertEqual((first | second | other).mapped("dunning_level_id"), l1)

        with freeze_time("2026-01-05"):
            action = first.action_dunning_escalate()
        self.assertIn("minimum interval", action["params"]["message"], "the guard applies to every action")
        with freeze_time("2026-01-09"):
            action = first.action_dunning_escalate()
        self.assertIn("1 reminder(s) created", action["params"]["message"])
        self.assertEqual(first.dunning_level_id, l2, "escalated although 8 days late (the second level is at 15)")
        self.assertEqual(second.dunning_level_id, l1, "not selected: stays where it is, but is recalled")
        reminder = first.dunning_line_ids.reminder_id.filtered(lambda r: r.date.isoformat() == "2026-01-09")
        self.assertEqual(reminder.level_id, l2)
        self.assertEqual(reminder.line_ids.move_id, first | second)

        with freeze_time("2026-01-16"):
            (self.partner_a | self.partner_b).action_dunning_escalate()
        self.assertEqual(first.dunning_level_id, l3)
        self.assertEqual(second.dunning_level_id, l2)
        self.assertEqual(other.dunning_level_id, l2)

        billing = new_test_user(
            self.env, login="escalating_biller", groups="account.group_account_invoice", company_id=self.company.id
        )
        with self.assertRaisesRegex(UserError, "dunning manager"):
            first.with_user(billing).action_dunning_escalate()
