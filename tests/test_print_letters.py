import io
import subprocess
import tempfile
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.pdf import PdfFileReader

from .common import DunningCommon


def page_count(pdf):
    return PdfFileReader(io.BytesIO(pdf), strict=False).getNumPages()


def pdf_text(pdf):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as source:
        source.write(pdf)
        source.flush()
        return subprocess.run(
            ["pdftotext", "-layout", source.name, "-"], capture_output=True, check=True
        ).stdout.decode()


@tagged("post_install", "-at_install")
class TestPrintLetters(DunningCommon):
    def _download(self, action):
        self.assertEqual(action["type"], "ir.actions.act_url")
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        return self.env["ir.attachment"].browse(attachment_id)

    def test_print_letters_to_post(self):
        # Letters use inline styles only; wkhtmltopdf must not wait for this
        # test's own server (blocked by the test transaction) for web assets.
        self.env["ir.config_parameter"].set_param("report.url", "http://127.0.0.1:9")
        self.levels[0].channel_letter = True
        customer_c = self.env["res.partner"].create({"name": "Customer C", "is_company": True, "email": "c@c.example"})
        for partner in (self.partner_b, self.partner_a, customer_c):
            self._invoice(partner, 400.0, "2026-01-01")
        with freeze_time("2026-01-05"):
            reminders, _stats = self.engine.with_context(force_report_rendering=True)._run(
                self.company, date(2026, 1, 5)
            )
        self.assertEqual(len(reminders), 3)
        letters = {r.partner_id: r.letter_attachment_id for r in reminders}
        self.assertEqual({a.mimetype for a in letters.values()}, {"application/pdf"})
        # A reminder by email only has nothing to post.
        self.levels[0].channel_letter = False
        customer_d = self.env["res.partner"].create({"name": "Customer D", "is_company": True, "email": "d@d.example"})
        self._invoice(customer_d, 100.0, "2026-01-03")
        email_only, _stats = self._run("2026-01-06")
        self.assertEqual(email_only.partner_id, customer_d)
        Reminder = self.env["account.dunning.reminder"]

        # From the list, the selected reminders only.
        selected = reminders.filtered(lambda r: r.partner_id == customer_c)
        pdf = self._download((selected | email_only).action_print_letters_to_post()).raw
        self.assertEqual(page_count(pdf), page_count(letters[customer_c].raw))
        self.assertTrue(selected.letter_printed_date)
        self.assertFalse(email_only.letter_printed_date)

        # From the menu, every letter still to post, in customer order.
        action = Reminder.action_print_letters_to_post()
        pdf = self._download(action).raw
        self.assertEqual(
            page_count(pdf), page_count(letters[self.partner_a].raw) + page_count(letters[self.partner_b].raw)
        )
        text = pdf_text(pdf)
        reminder_a, reminder_b = (
            reminders.filtered(lambda r, p=p: r.partner_id == p) for p in (self.partner_a, self.partner_b)
        )
        self.assertLess(text.index(reminder_a.reference), text.index(reminder_b.reference))
        self.assertNotIn(selected.reference, text)
        self.assertTrue(all(reminders.mapped("letter_printed_date")))
        self.assertIn("Letter printed for posting.", reminder_a.message_ids[0].body)

        with self.assertRaisesRegex(UserError, "no letter waiting to be printed"):
            Reminder.action_print_letters_to_post()
        with self.assertRaisesRegex(UserError, "no letter waiting to be printed"):
            selected.action_print_letters_to_post()
