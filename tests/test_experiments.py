import logging
import random
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from ..models.account_dunning_experiment import decide
from ..models.account_dunning_variant import pick_variant
from .common import DunningCommon

_logger = logging.getLogger(__name__)

MARKER = "A short word from our accounts team."


@tagged("post_install", "-at_install")
class TestExperiments(DunningCommon):
    """Two wordings of the courteous letter go out side by side; each
    customer is drawn into one and stays there; the wording whose reminders
    get paid more often is found, and promoted."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.courteous = cls.levels[0]
        standard = cls.env["account.dunning.wording"].with_context(lang="en_US")._standard_body("courteous")
        Variant = cls.env["account.dunning.variant"]
        cls.control = Variant.create({"name": "A – standard", "level_id": cls.courteous.id, "is_default": True})
        cls.challenger = Variant.create(
            {
                "name": "B – short word",
                "level_id": cls.courteous.id,
                "wording_ids": [
                    Command.create(
                        {
                            "level_id": cls.courteous.id,
                            "policy_id": cls.policy.id,
                            "lang": "en_US",
                            "body": f"<p>{MARKER}</p>{standard}",
                        }
                    )
                ],
            }
        )
        cls.experiment = cls.env["account.dunning.experiment"].create(
            {
                "name": "Short word",
                "policy_id": cls.policy.id,
                "level_id": cls.courteous.id,
                "variant_ids": [Command.set((cls.control | cls.challenger).ids)],
                "min_sample": 1000,
            }
        )

    def _customers(self, count):
        partners = self.env["res.partner"].create(
            [
                {"name": f"Customer {index}", "email": f"c{index}@example.com", "is_company": True, "lang": "en_US"}
                for index in range(count)
            ]
        )
        invoices = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": date(2025, 12, 2),
                    "invoice_date_due": date(2026, 1, 1),
                    "invoice_payment_term_id": False,
                    "invoice_line_ids": [
                        Command.create({"name": "Consulting", "quantity": 1, "price_unit": 100.0, "tax_ids": []})
                    ],
                }
                for partner in partners
            ]
        )
        self._analyze()
        # Posted in batches: the journal's numbering of a batch re-reads it whole.
        for start in range(0, len(invoices), 100):
            invoices[start : start + 100].action_post()
        invoices.is_move_sent = True
        return partners, invoices

    def _analyze(self):
        """Thousands of rows written in the test's transaction: the planner
        must know them (ANALYZE counts this transaction's rows), or the
        statistics of tables a previous test left empty make Odoo's posting
        queries take minutes each."""
        self.env.flush_all()
        self.env.cr.execute(
            "ANALYZE account_move, account_move_line, account_partial_reconcile, res_partner, "
            "account_dunning_reminder, account_dunning_reminder_line"
        )

    def test_drawing_is_reproducible_weighted_and_sticky(self):
        self.assertEqual(pick_variant((7, 3, 42), [(1, 1), (2, 1)]), pick_variant((7, 3, 42), [(2, 1), (1, 1)]))
        draws = [pick_variant((7, 3, partner), [(1, 1), (2, 3)]) for partner in range(4000)]
        self.assertAlmostEqual(draws.count(2) / len(draws), 0.75, delta=0.03)
        self.assertIsNone(pick_variant((1,), [(1, 0)]))

        self.experiment.action_start()
        partners, _invoices = self._customers(40)
        first, _stats = self._run("2026-01-05")
        by_partner = {reminder.partner_id: reminder.variant_id for reminder in first}
        self.assertEqual(set(by_partner.values()), {self.control, self.challenger}, "both letters go out")
        for reminder in first:
            self.assertEqual(reminder.experiment_id, self.experiment)
            self.assertEqual(reminder.line_ids.variant_id, reminder.variant_id, "frozen on each line")
            mail = self.env["mail.mail"].search([("model", "=", reminder._name), ("res_id", "=", reminder.id)])
            self.assertEqual(MARKER in mail.body_html, reminder.variant_id == self.challenger)
        # Whatever the weights become, a customer keeps its letter until the experiment ends.
        self.control.weight, self.challenger.weight = 0, 1
        again, _stats = self._run("2026-01-13", partner_ids=partners.ids, force=True)
        self.assertEqual(again.level_id, self.courteous)
        self.assertEqual({r.partner_id: r.variant_id for r in again}, by_partner)

    def test_the_decision_waits_and_keeps_false_winners_rare(self):
        self.assertEqual(decide([(999, 300), (1000, 400)], 0.05, 1000), (None, "waiting"), "no peeking")
        self.assertEqual(decide([(1000, 300), (1000, 400)], 0.05, 1000), (1, "significant"))
        self.assertEqual(decide([(1000, 400), (1000, 300)], 0.05, 1000), (0, "significant"))
        self.assertEqual(decide([(1000, 300), (1000, 310)], 0.05, 1000), (None, "no_difference"))
        # 100 seeded experiments where both letters recover 35 %: how often is a winner declared?
        false_winners = 0
        for seed in range(100):
            rng = random.Random(seed)
            arms = [(1000, sum(rng.random() < 0.35 for _draw in range(1000))) for _arm in range(2)]
            false_winners += decide(arms, 0.05, 1000)[0] is not None
        _logger.info("Letter experiments: %s false winners in 100 experiments at 5 %%", false_winners)
        self.assertLessEqual(false_winners, 12, "near the 5 % chosen")

    def test_the_better_letter_is_found_and_promoted(self):
        """2,200 customers; letter A gets 30 % paid within 14 days, letter B 40 %."""
        self.experiment.action_start()
        self.assertIn("started", self.policy.message_ids[:1].body)
        partners, invoices = self._customers(2200)
        # How the letters go out is not the question here (the test above
        # reads them): the reminders are made by the run, then marked sent.
        reminders, _stats = self._run("2026-01-05", dispatch=False)
        self.assertEqual(len(reminders), 2200)
        reminders._set_state("sent")
        invoice_of = {invoice.partner_id: invoice for invoice in invoices}
        rng = random.Random(2026)
        paid_on = {}
        for reminder in reminders.sorted("id"):
            rate = 0.40 if reminder.variant_id == self.challenger else 0.30
            if rng.random() < rate:
                paid_on.setdefault(date(2026, 1, 5) + timedelta(days=rng.randint(1, 14)), []).append(
                    invoice_of[reminder.partner_id].id
                )
        self._analyze()
        for day, ids in paid_on.items():
            self.env["account.payment.register"].with_context(active_model="account.move", active_ids=ids).create(
                {"payment_date": day, "group_payment": False}
            )._create_payments()
        self._analyze()
        with freeze_time("2026-01-25"):
            self.env["account.dunning.outcome"]._refresh(date(2026, 1, 25))
            self.env["account.dunning.experiment"]._evaluate_running(date(2026, 1, 25))
        experiment = self.experiment
        control, challenger = experiment.result_ids.sorted(lambda r: not r.is_control)
        _logger.info(
            "Letter experiment: A %s/%s (%.1f %%), B %s/%s (%.1f %%), p = %.2g (%s), P(B > A) = %.1f %%",
            control.recovered,
            control.reminders,
            control.rate,
            challenger.recovered,
            challenger.reminders,
            challenger.rate,
            challenger.p_value,
            challenger.test,
            challenger.probability_best,
        )
        self.assertGreaterEqual(min(control.reminders, challenger.reminders), 1000)
        self.assertEqual(control.reminders + challenger.reminders, 2200)
        self.assertEqual(experiment.winner_id, self.challenger)
        # The recovery analysis says the same, by variant.
        by_variant = {
            variant: (reminded, paid)
            for variant, reminded, paid in self.env["account.dunning.recovery.analysis"]._read_group(
                [("experiment_id", "=", experiment.id)], ["variant_id"], ["reminded_count:sum", "paid_count:sum"]
            )
        }
        self.assertEqual(by_variant[self.challenger], (challenger.reminders, challenger.recovered))
        self.assertEqual(by_variant[self.control], (control.reminders, control.recovered))
        self.assertLess(challenger.p_value, 0.05)
        self.assertLess(control.rate_low, control.rate)
        self.assertLess(control.rate, control.rate_high)
        self.assertGreater(challenger.probability_best, 99.0)
        self.assertEqual(experiment.state, "running", "proposed, not promoted: auto-promote is off")
        self.assertTrue(experiment.proposal_activity_id, "the dunning manager is asked to promote it")
        experiment.action_promote()
        self.assertEqual(experiment.state, "promoted")
        self.assertTrue(self.challenger.is_default)
        self.assertFalse(self.control.active, "the loser is archived")
        self.assertEqual(len(experiment.result_ids), 2, "the numbers are kept")
        self.assertIn("promoted", self.policy.message_ids[:1].body)
        # Outside the experiment, the winner words the level's letters.
        invoice = self._invoice(self.partner_a, 50.0, "2026-02-01")
        later, _stats = self._run("2026-02-05", partner_ids=self.partner_a.ids)
        self.assertEqual(
            (later.variant_id, later.experiment_id), (self.challenger, self.env["account.dunning.experiment"])
        )
        self.assertTrue(invoice)
        self._replay_at_equal_rates(reminders)

    def _replay_at_equal_rates(self, reminders):
        """100 more experiments on the same real reminders and payments, each
        drawing its own split of the customers (its id seeds the draw): the
        payments followed the first experiment's letters, not these draws,
        so both arms of each recover the same 35 % on average.  How often is
        a winner declared anyway?"""
        Variant = self.env["account.dunning.variant"]
        arms = Variant.create([{"name": name, "level_id": self.courteous.id} for name in ("C", "D")])
        false_winners = 0
        for seed in range(100):
            experiment = self.experiment.copy({"name": f"Equal letters {seed}", "variant_ids": [Command.set(arms.ids)]})
            experiment.action_start()
            reminders._assign_variants()
            counts = experiment._arm_counts(date(2026, 1, 25))
            self.assertEqual(sum(count[0] for count in counts.values()), 2200, "every reminder drawn again")
            false_winners += bool(experiment._refresh_results(date(2026, 1, 25)))
            experiment.action_stop()
        _logger.info(
            "Letter experiments on the real reminders at equal rates: %s false winners in 100 at 5 %%", false_winners
        )
        self.assertLessEqual(false_winners, 12, "near the 5 % chosen")

    def test_a_variant_goes_out_by_its_own_channels(self):
        """Letter B is a printed letter where the level sends an email:
        the experiment measures the channel mix as well as the words."""
        with self.assertRaises(ValidationError):
            self.control.own_channels = True  # and no channel
        self.challenger.write({"own_channels": True, "channel_letter": True})
        self.assertEqual(self.challenger.channels_label, "Printed Letter")
        self.assertEqual(self.control.channels_label, "Email")
        self.experiment.action_start()
        partners, _invoices = self._customers(16)
        # A letter needs the full postal address.
        partners.write(
            {"street": "12 rue de la Paix", "zip": "75002", "city": "Paris", "country_id": self.env.ref("base.fr").id}
        )
        by_hand = next(partner for partner in partners if self._drawn(partner) == self.challenger)
        reminders, _stats = self._run("2026-01-05", partner_ids=(partners - by_hand).ids)
        self.assertEqual(len(reminders), 15)
        self.assertEqual(set(reminders.variant_id), {self.control, self.challenger})
        for reminder in reminders:
            mail = self.env["mail.mail"].search([("model", "=", reminder._name), ("res_id", "=", reminder.id)])
            if reminder.variant_id == self.challenger:
                self.assertEqual(reminder._channels(), ["letter"])
                self.assertFalse(mail, "no email for the letter variant")
                self.assertEqual(reminder.state, "sent")
            else:
                self.assertEqual(reminder._channels(), self.courteous._channels())
                self.assertTrue(mail)
        # Sent by hand, the channels ticked in the wizard stay, whatever the variant drawn.
        with freeze_time("2026-01-05"):
            wizard = self._send_wizard(by_hand)
            self.assertEqual(wizard.level_id, self.courteous)
            self.assertTrue(wizard.channel_email)
            self.assertFalse(wizard.channel_letter)
            wizard.save().action_send()
        sent = self.env["account.dunning.reminder"].search([("partner_id", "=", by_hand.id)])
        self.assertEqual((sent.variant_id, sent._channels()), (self.challenger, ["email"]))

    def test_the_checks_read_the_variant_channels(self):
        """The level posts letters and letter B emails: a customer without
        email drawn into B is stopped by the email check, as the level's own
        channels would be; one drawn into A gets its letter."""
        self.courteous.write({"channel_email": False, "channel_letter": True})
        self.challenger.write({"own_channels": True, "channel_email": True})
        self.experiment.action_start()
        partners, _invoices = self._customers(16)
        partners.write(
            {
                "email": False,
                "street": "12 rue de la Paix",
                "zip": "75002",
                "city": "Paris",
                "country_id": self.env.ref("base.fr").id,
            }
        )
        emailed = partners.filtered(lambda partner: self._drawn(partner) == self.challenger)
        self.assertTrue(emailed and emailed != partners)
        reminders, stats = self._run("2026-01-05", partner_ids=partners.ids)
        self.assertEqual(reminders.partner_id, partners - emailed)
        self.assertEqual(set(reminders.mapped("state")), {"sent"})
        self.assertEqual({stats["skipped"][partner.id] for partner in emailed}, {"no_email"})
        found = self.env["account.dunning.check.result"].search([("partner_id", "in", emailed.ids)])
        self.assertEqual(set(found.mapped("code")), {"email"})
        self.assertIn("only goes by email", found[:1].message)

    def test_a_variant_goes_out_on_its_own_weekday(self):
        """Letter B goes out on Thursdays: its customers wait for the next one."""
        self.challenger.send_weekday = "3"
        self.experiment.action_start()
        partners, _invoices = self._customers(16)
        waiting = partners.filtered(lambda partner: self._drawn(partner) == self.challenger)
        self.assertTrue(waiting and waiting != partners)
        monday, stats = self._run("2026-01-05", partner_ids=partners.ids)
        self.assertEqual(monday.partner_id, partners - waiting)
        self.assertEqual(monday.variant_id, self.control)
        self.assertEqual({stats["skipped"][partner.id] for partner in waiting}, {"variant_weekday"})
        for day in ("2026-01-06", "2026-01-07"):
            self.assertFalse(self._run(day, partner_ids=waiting.ids)[0], day)
        thursday, _stats = self._run("2026-01-08", partner_ids=waiting.ids)
        self.assertEqual(thursday.partner_id, waiting)
        self.assertEqual((thursday.variant_id, thursday.level_id), (self.challenger, self.courteous))

    def test_a_variant_goes_out_later_than_its_level(self):
        """Letter B waits three more days than the level: the experiment
        measures whether waiting costs payments."""
        self.challenger.extra_wait_days = 3
        with self.assertRaises(ValidationError):
            self.control.extra_wait_days = 61
        self.experiment.action_start()
        partners, _invoices = self._customers(16)
        waiting = partners.filtered(lambda partner: self._drawn(partner) == self.challenger)
        by_hand, waiting = waiting[0], waiting[1:]
        self.assertTrue(waiting)
        reached = date(2026, 1, 1) + timedelta(days=self.courteous.days_overdue)
        first, stats = self._run(reached, partner_ids=(partners - by_hand).ids)
        self.assertEqual(first.partner_id, partners - waiting - by_hand)
        self.assertEqual({stats["skipped"][partner.id] for partner in waiting}, {"variant_delay"})
        self.assertFalse(self._run(reached + timedelta(days=2), partner_ids=waiting.ids)[0])
        later, _stats = self._run(reached + timedelta(days=3), partner_ids=waiting.ids)
        self.assertEqual(later.partner_id, waiting)
        self.assertEqual((later.variant_id, later.level_id), (self.challenger, self.courteous))
        # Sent by hand, the user decides when: the variant's delay does not hold the reminder.
        with freeze_time(reached):
            self._send_wizard(by_hand).save().action_send()
        sent = self.env["account.dunning.reminder"].search([("partner_id", "=", by_hand.id)])
        self.assertEqual((sent.date, sent.variant_id), (reached, self.challenger))

    def _send_wizard(self, partner):
        """Send Reminder on the customer, as from its form."""
        return Form(self.env["account.dunning.send"].with_context(active_model="res.partner", active_ids=partner.ids))

    def _drawn(self, partner):
        variants = self.experiment.variant_ids
        chosen = pick_variant(
            (self.experiment.id, self.courteous.id, partner.id), [(variant.id, variant.weight) for variant in variants]
        )
        return variants.browse(chosen)

    def test_settings_are_checked(self):
        with self.assertRaises(UserError):
            self.experiment.copy({"variant_ids": [Command.set(self.control.ids)]}).action_start()
        self.experiment.action_start()
        with self.assertRaises(UserError):
            self.experiment.copy().action_start()
        with self.assertRaises(ValidationError):
            self.experiment.copy({"alpha": 0.5})
