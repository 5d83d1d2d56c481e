import re
from datetime import date, timedelta
from urllib.parse import urlsplit

from odoo.tests import HttpCase, new_test_user, tagged

from .common import LetterCommon


@tagged("post_install", "-at_install")
class TestCustomerAnswers(LetterCommon, HttpCase):
    """The customer answers a reminder from the page behind its pay-online
    address, in its language, without logging in: each answer holds what it
    is about, tells the responsible, and is logged; bad input is refused with
    a reason and writes nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = date.today()
        cls.first = cls._invoice(cls.french, 1200.0, (cls.today - timedelta(days=40)).isoformat())
        cls.second = cls._invoice(cls.french, 300.0, (cls.today - timedelta(days=40)).isoformat())

    def setUp(self):
        super().setUp()
        self.responsible = new_test_user(
            self.env, login="answers_responsible", groups="account_dunning.group_dunning_user", lang="fr_FR"
        )
        self.french.dunning_responsible_id = self.responsible
        self.reminder = self._send(self.french, (self.today - timedelta(days=1)).isoformat())
        self.path = urlsplit(self.reminder._pay_short_url()).path

    def _answer(self, kind, moves, files=None, path=None, **values):
        path = path or self.path
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.url_open(path).text).group(1)
        data = {"csrf_token": token, "kind": kind, "move_ids": [str(move.id) for move in moves], **values}
        return self.url_open(f"{path}/answer", data=data, files=files, allow_redirects=False)

    def _nothing_written(self):
        self.assertFalse(self.reminder.answer_ids)
        self.assertFalse((self.first | self.second).filtered("dunning_blocked"))

    def test_already_paid_with_a_proof(self):
        response = self._answer(
            "paid",
            self.first,
            files={"document": ("virement.pdf", b"%PDF-1.4 proof", "application/pdf")},
            paid_date=(self.today - timedelta(days=2)).isoformat(),
            paid_amount="1 200,00",
            message="Virement fait depuis notre compte BNP.",
        )
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertTrue(response.headers["Location"].endswith(f"{self.path}?answered=paid"))
        answer = self.reminder.answer_ids
        self.assertEqual((answer.kind, answer.move_ids, answer.paid_amount), ("paid", self.first, 1200.0))
        self.assertEqual(answer.attachment_ids.mapped("name"), ["virement.pdf"])
        self.assertEqual(answer.attachment_ids.res_id, self.reminder.id, "shown in the reminder's chatter")
        self.assertEqual(
            (self.first.dunning_block_reason, self.first.dunning_block_until),
            ("claimed_paid", self.today + timedelta(days=self.policy.answer_hold_days)),
            "on hold while the payment is checked",
        )
        self.assertFalse(self.second.dunning_blocked, "only what the answer is about")
        self.assertEqual(self.company.partner_id.lang, "en_US")
        activity = self.reminder.activity_ids
        self.assertEqual(activity.summary, "Check the payment the customer says was made", "the company's language")
        self.assertEqual(activity.user_id, self.responsible)
        for record in (self.reminder, self.french):
            self.assertIn("Virement fait depuis notre compte BNP.", record.message_ids[:1].body)
        page = self.url_open(f"{self.path}?answered=paid").text
        self.assertIn("votre réponse a été enregistrée", page)
        self.assertIn("Réglé le", page, "the answers already given, in the customer's language")

    def test_dispute_needs_a_reason_and_holds_until_settled(self):
        response = self._answer("dispute", self.second, reason="  ")
        self.assertEqual(response.status_code, 400)
        self.assertIn("Indiquez-nous pourquoi vous contestez la facture.", response.text)
        self._nothing_written()
        response = self._answer("dispute", self.second, reason="Livraison incomplète")
        self.assertEqual(response.status_code, 303)
        self.assertEqual((self.second.dunning_block_reason, self.second.dunning_block_until), ("dispute", False))
        self.assertIn("Livraison incomplète", self.second.message_ids[:1].body, "logged on the invoice")

    def test_an_answer_never_shortens_a_hold(self):
        """Disputed, then said paid: the invoice stays disputed until the
        dispute is settled, the answer is logged on it."""
        self.assertEqual(self._answer("dispute", self.first, reason="Prix non conforme au devis").status_code, 303)
        paid_on = (self.today - timedelta(days=1)).isoformat()
        response = self._answer("paid", self.first | self.second, paid_date=paid_on, paid_amount="1500")
        self.assertEqual(response.status_code, 303)
        self.assertEqual((self.first.dunning_block_reason, self.first.dunning_block_until), ("dispute", False))
        self.assertEqual(self.second.dunning_block_reason, "claimed_paid")
        self.assertIn("The customer answered: Paid on", self.first.message_ids[:1].body)

    def test_promise_within_the_policy_limit(self):
        too_late = self.today + timedelta(days=self.policy.promise_max_days + 1)
        response = self._answer("promise", self.first | self.second, promise_date=too_late.isoformat())
        self.assertEqual(response.status_code, 400)
        self.assertIn("au plus tard le", response.text)
        self._nothing_written()
        promised = self.today + timedelta(days=10)
        self.assertEqual(
            self._answer("promise", self.first | self.second, promise_date=promised.isoformat()).status_code, 303
        )
        for move in self.first | self.second:
            self.assertEqual(
                (move.dunning_block_reason, move.dunning_block_until), ("promise", promised + timedelta(days=1))
            )

    def test_payment_plan_asked_then_decided(self):
        too_many = self.policy.plan_max_installments + 1
        self.assertEqual(self._answer("plan", self.first, installments=str(too_many)).status_code, 400)
        self._nothing_written()
        self.assertEqual(self._answer("plan", self.first, installments="3").status_code, 303)
        answer = self.reminder.answer_ids
        self.assertEqual((answer.installments, answer.plan_state), (3, "asked"))
        self.assertEqual(self.first.dunning_block_reason, "payment_plan")
        plan = self.env["account.dunning.payment.plan"].browse(answer.action_accept_plan()["res_id"])
        self.assertEqual((plan.move_ids, len(plan.installment_ids)), (self.first, 3))
        plan.action_start()
        self.assertEqual(answer.plan_state, "accepted")
        self.assertEqual((self.first.dunning_block_reason, self.first.dunning_block_until), ("payment_plan", False))
        page = self.url_open(self.path).text
        self.assertIn("accepté", page.lower())
        self.assertIn(plan.name, page, "the page shows the plan's schedule")

    def test_answers_are_only_about_this_reminder(self):
        other_invoice = self._invoice(self.english, 100.0, (self.today - timedelta(days=40)).isoformat())
        other = self._send(self.english, (self.today - timedelta(days=1)).isoformat())
        page = self.url_open(self.path).text
        self.assertNotIn(other_invoice.name, page)
        response = self._answer("promise", other_invoice, promise_date=(self.today + timedelta(days=5)).isoformat())
        self.assertEqual(response.status_code, 400)
        self._nothing_written()
        self.assertFalse(other_invoice.dunning_blocked)
        self.assertFalse(other.answer_ids)

    def test_documents_are_pdf_or_pictures(self):
        page = b"<html><script>alert(1)</script></html>"
        response = self._answer(
            "dispute", self.first, files={"document": ("preuve.pdf", page, "application/pdf")}, reason="Erreur de prix"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("Envoyez le document en PDF ou en image.", response.text)
        self._nothing_written()

    def test_a_leaked_address_cannot_flood_the_credit_department(self):
        for _index in range(20):
            self.reminder._record_answer("dispute", self.first, {"reason": "Encore"})
        response = self._answer("dispute", self.second, reason="Une de plus")
        self.assertEqual(response.status_code, 400)
        self.assertIn("veuillez nous contacter directement", response.text)
        self.assertFalse(self.second.dunning_blocked)
        self.assertEqual(len(self.reminder.answer_ids), 20)

    def test_answers_need_the_page_form(self):
        """A post without the page's CSRF token writes nothing."""
        response = self.url_open(
            f"{self.path}/answer",
            data={"kind": "dispute", "move_ids": [str(self.first.id)], "reason": "x"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 400)
        self._nothing_written()

    def test_the_address_expires(self):
        self.policy.answer_days = 1
        self.reminder.flush_recordset()
        self.env.cr.execute(
            "UPDATE account_dunning_reminder SET date = %s WHERE id = %s",
            (self.today - timedelta(days=5), self.reminder.id),
        )
        self.reminder.invalidate_recordset(["date"])
        page = self.url_open(self.path).text
        self.assertIn("ne peut plus recevoir de réponse ici", page)
        self.assertNotIn("Répondre à cette relance", page)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        self.assertIsNone(token, "no form to post")
        self.assertIn(f"/my/invoices/{self.first.id}?access_token=", page, "the invoices can still be paid")

    def test_customer_answers_in_the_browser(self):
        self.start_tour(self.path, "account_dunning_customer_answer", login=None)
        answer = self.reminder.answer_ids
        self.assertEqual((answer.kind, answer.move_ids), ("promise", self.first | self.second))
        self.assertEqual(answer.promise_date, self.today + timedelta(days=10))
        self.assertEqual(answer.message, "Règlement prévu à réception de notre facture client.")
        self.assertEqual(set((self.first | self.second).mapped("dunning_block_reason")), {"promise"})
