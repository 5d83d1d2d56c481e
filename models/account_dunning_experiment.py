"""Letter experiments: two or more variants of a level's letter go out side
by side, and the one whose reminders get paid more often becomes the level's
default.

The measure is the reminder's outcome (account_dunning_outcome*.py): a
reminder is recovered when every invoice it named was paid in full within
the outcome window after it.  Only reminders whose window has closed count.
Against peeking, no winner is declared before every variant has the
experiment's minimum sample (a fixed-horizon test); with more than two
variants, each is compared with the control at the significance level
divided by the number of comparisons (Bonferroni).
"""

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .account_dunning_statistics import compare_proportions, median, probability_b_beats_a, wilson_interval

EXPERIMENT_STATES = [
    ("draft", "Draft"),
    ("running", "Running"),
    ("stopped", "Stopped"),
    ("promoted", "Winner Promoted"),
]


def decide(arms, alpha, min_sample):
    """(winner index or None, why) from `arms` [(reminders, recovered)], the
    control first: a winner only once every arm has `min_sample` reminders
    and differs from the control at `alpha` split over the comparisons."""
    if len(arms) < 2:
        return None, "too_few"
    if any(trials < min_sample for trials, _successes in arms):
        return None, "waiting"
    level = alpha / (len(arms) - 1)
    control_trials, control_successes = arms[0]
    control_rate = control_successes / control_trials
    better, worse = [], 0
    for index, (trials, successes) in enumerate(arms[1:], start=1):
        p_value = compare_proportions(control_successes, control_trials, successes, trials)["p_value"]
        if p_value < level:
            if successes / trials > control_rate:
                better.append((successes / trials, index))
            else:
                worse += 1
    if better:
        return max(better)[1], "significant"
    if worse == len(arms) - 1:
        return 0, "significant"
    return None, "no_difference"


class AccountDunningExperiment(models.Model):
    _name = "account.dunning.experiment"
    _description = "Letter Experiment"
    _order = "id desc"

    name = fields.Char(required=True)
    policy_id = fields.Many2one("account.dunning.policy", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    level_id = fields.Many2one(
        "account.dunning.level", required=True, ondelete="cascade", domain="[('policy_id', '=', policy_id)]"
    )
    variant_ids = fields.Many2many(
        "account.dunning.variant",
        string="Variants Compared",
        domain="[('level_id', '=', level_id)]",
        # A finished experiment still names the variants it archived.
        context={"active_test": False},
        help="The first one (the level's default, else the first in order) is the control.",
    )
    state = fields.Selection(EXPERIMENT_STATES, default="draft", required=True, readonly=True, copy=False)
    date_start = fields.Date("Started On", readonly=True, copy=False)
    date_stop = fields.Date("Ended On", readonly=True, copy=False)
    metric = fields.Selection(
        [("paid_in_window", "Paid in full within the outcome window")],
        "Primary Metric",
        default="paid_in_window",
        required=True,
    )
    min_sample = fields.Integer(
        "Minimum Sample per Variant",
        default=300,
        help="No winner is declared before every variant has this many reminders whose window has closed.",
    )
    alpha = fields.Float("Significance Level", default=0.05, digits=(3, 3))
    auto_promote = fields.Boolean(help="Make a significant winner the level's default at once, and end the experiment.")
    result_ids = fields.One2many("account.dunning.experiment.result", "experiment_id", "Results", readonly=True)
    winner_id = fields.Many2one("account.dunning.variant", "Winner", readonly=True, copy=False)
    proposal_activity_id = fields.Many2one("mail.activity", readonly=True, copy=False, ondelete="set null")
    decision = fields.Char(readonly=True, copy=False)
    decision_rule = fields.Char(compute="_compute_decision_rule")

    @api.depends("min_sample", "alpha", "variant_ids")
    def _compute_decision_rule(self):
        for experiment in self:
            comparisons = max(len(experiment.variant_ids) - 1, 1)
            experiment.decision_rule = _(
                "No peeking: a winner is declared only once every variant has %(sample)s reminders whose window "
                "has closed, each compared with the control at %(level)s %% (%(alpha)s %% over %(count)s "
                "comparisons).",
                sample=experiment.min_sample,
                level=round(experiment.alpha * 100 / comparisons, 2),
                alpha=round(experiment.alpha * 100, 2),
                count=comparisons,
            )

    @api.constrains("min_sample", "alpha", "variant_ids", "level_id")
    def _check_settings(self):
        for experiment in self:
            if not 10 <= experiment.min_sample <= 1000000:
                raise ValidationError(_("The minimum sample per variant runs from 10 to 1,000,000 reminders."))
            if not 0.001 <= experiment.alpha <= 0.2:
                raise ValidationError(_("The significance level runs from 0.001 to 0.2."))
            if experiment.variant_ids.level_id - experiment.level_id:
                raise ValidationError(_("An experiment compares variants of its own level."))

    def _control_and_others(self):
        """The variants, the control first."""
        self.ensure_one()
        variants = self.variant_ids.sorted(lambda v: (not v.is_default, v.sequence, v.id))
        return variants

    # ---- START, STOP, PROMOTE (logged on the policy) ----
    def action_start(self):
        for experiment in self:
            if experiment.state != "draft":
                raise UserError(_("Only a draft experiment can start."))
            if len(experiment.variant_ids) < 2:
                raise UserError(_("An experiment compares at least two variants of the level."))
            if not any(variant.weight for variant in experiment.variant_ids):
                raise UserError(_("Give the variants a weight."))
            other = self.search(
                [("level_id", "=", experiment.level_id.id), ("state", "=", "running"), ("id", "!=", experiment.id)]
            )
            if other:
                raise UserError(
                    _(
                        "Level %(level)s runs experiment %(other)s already.",
                        level=experiment.level_id.display_name,
                        other=other.name,
                    )
                )
            experiment.write({"state": "running", "date_start": fields.Date.context_today(experiment)})
            experiment._log(_("Experiment %(name)s started on level %(level)s: %(variants)s."))
        return True

    def action_stop(self):
        for experiment in self.filtered(lambda e: e.state == "running"):
            experiment._refresh_results()
            experiment.write({"state": "stopped", "date_stop": fields.Date.context_today(experiment)})
            experiment._log(_("Experiment %(name)s stopped on level %(level)s: %(variants)s."))
        return True

    def action_promote(self):
        """The winner becomes the level's default; the others are archived;
        the experiment ends with its numbers kept."""
        for experiment in self:
            if experiment.state == "running":
                # On today's numbers, which may no longer name a winner.
                experiment._refresh_results()
            if not experiment.winner_id:
                raise UserError(_("Experiment %s has no winner to promote.", experiment.name))
            winner = experiment.winner_id
            (experiment.level_id.variant_ids - winner).write({"is_default": False})
            winner.is_default = True
            (experiment.variant_ids - winner).write({"active": False})
            experiment.write({"state": "promoted", "date_stop": fields.Date.context_today(experiment)})
            experiment.proposal_activity_id.action_feedback(feedback=_("Promoted."))
            experiment._log(_("Experiment %(name)s: %(winner)s promoted as the default of level %(level)s."))
        return True

    def _log(self, template):
        self.ensure_one()
        text = template % {
            "name": self.name,
            "level": self.level_id.display_name,
            "variants": ", ".join(self.variant_ids.mapped("name")),
            "winner": self.winner_id.name or "",
        }
        self.policy_id.message_post(body=Markup("<p>%s</p>") % text, subtype_xmlid="mail.mt_note")

    # ---- RESULTS AND DECISION ----
    def _arm_counts(self, today):
        """{variant id: (reminders, recovered, amount recovered, [days to pay])}
        over the experiment's sent reminders whose outcome window has closed."""
        self.ensure_one()
        self.env["account.dunning.outcome"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT variant_id, COUNT(*), COUNT(*) FILTER (WHERE recovered), SUM(amount),
                       ARRAY_AGG(days) FILTER (WHERE recovered)
                  FROM (
                        SELECT r.id, r.variant_id, BOOL_AND(o.paid_in_window) AS recovered,
                               SUM(o.amount_recovered) AS amount, MAX(o.days_to_payment) AS days
                          FROM account_dunning_reminder r
                          JOIN account_dunning_outcome o ON o.reminder_id = r.id
                         WHERE r.experiment_id = %(experiment)s AND r.state = 'sent'
                           AND o.reminder_date + o.window_days < %(today)s
                      GROUP BY r.id
                       ) per_reminder
              GROUP BY variant_id
                """,
                experiment=self.id,
                today=today,
            )
        )
        return {row[0]: (row[1], row[2], float(row[3] or 0.0), row[4] or []) for row in self.env.cr.fetchall()}

    def _refresh_results(self, today=None):
        """Recompute each variant's numbers and the decision; returns the winner (a variant) or None."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        counts = self._arm_counts(today)
        variants = self._control_and_others()
        arms = [counts.get(variant.id, (0, 0, 0.0, []))[:2] for variant in variants]
        index, why = decide(arms, self.alpha, self.min_sample)
        control_trials, control_successes = arms[0]
        rows = []
        for position, variant in enumerate(variants):
            trials, successes, amount, days = counts.get(variant.id, (0, 0, 0.0, []))
            low, high = wilson_interval(successes, trials)
            compared = position and trials and control_trials
            test = compare_proportions(control_successes, control_trials, successes, trials) if compared else {}
            rows.append(
                {
                    "variant_id": variant.id,
                    "is_control": not position,
                    "reminders": trials,
                    "recovered": successes,
                    "rate": 100.0 * successes / trials if trials else 0.0,
                    "rate_low": 100.0 * low,
                    "rate_high": 100.0 * high,
                    "amount_recovered": amount,
                    "median_days": median(days) if days else 0.0,
                    "p_value": test.get("p_value", 0.0),
                    "test": test.get("test") or False,
                    "probability_best": 100.0
                    * probability_b_beats_a(
                        control_successes, control_trials - control_successes, successes, trials - successes
                    )
                    if position
                    else 0.0,
                }
            )
        self.result_ids = [fields.Command.clear()] + [fields.Command.create(values) for values in rows]
        winner = variants[index] if index is not None else self.env["account.dunning.variant"]
        labels = {
            "too_few": _("Compare at least two variants."),
            "waiting": _("Waiting for %s reminders per variant whose window has closed.", self.min_sample),
            "no_difference": _("No significant difference at the minimum sample."),
            "significant": _("%s recovers significantly more.", winner.name),
        }
        self.write({"winner_id": winner.id, "decision": labels[why]})
        return winner or None

    @api.model
    def _evaluate_running(self, today):
        """The nightly decision, after the outcomes are measured: a
        significant winner is promoted (auto-promote) or proposed to the
        policy's dunning manager, once."""
        for experiment in self.search([("state", "=", "running")]):
            proposed = experiment.winner_id
            winner = experiment._refresh_results(today)
            if not winner:
                continue
            if experiment.auto_promote:
                experiment.action_promote()
            elif winner != proposed:
                manager = self.env["account.dunning.engine"]._managers(experiment.company_id)[:1]
                experiment.proposal_activity_id = experiment.policy_id.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=_("Promote the winning letter variant"),
                    note=Markup("<p>%s</p>")
                    % _("Experiment %(name)s: %(decision)s", name=experiment.name, decision=experiment.decision),
                    user_id=(manager or self.env.user).id,
                )


class AccountDunningExperimentResult(models.Model):
    _name = "account.dunning.experiment.result"
    _description = "Letter Experiment Result per Variant"
    _order = "experiment_id, is_control desc, id"

    experiment_id = fields.Many2one("account.dunning.experiment", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="experiment_id.company_id", store=True)
    variant_id = fields.Many2one("account.dunning.variant", required=True, ondelete="cascade")
    is_control = fields.Boolean("Control")
    reminders = fields.Integer()
    recovered = fields.Integer()
    rate = fields.Float("Recovery Rate (%)", digits=(5, 1))
    rate_low = fields.Float("95% CI Low (%)", digits=(5, 1))
    rate_high = fields.Float("95% CI High (%)", digits=(5, 1))
    amount_recovered = fields.Float("Amount Recovered", digits=(16, 2))
    median_days = fields.Float("Median Days to Pay", digits=(5, 1))
    p_value = fields.Float("p-value", digits=(6, 4))
    test = fields.Selection([("z", "Two-proportion z-test"), ("fisher", "Fisher's exact test")])
    probability_best = fields.Float("Chance to Beat the Control (%)", digits=(5, 1))


class AccountDunningPolicy(models.Model):
    _name = "account.dunning.policy"
    _inherit = ["account.dunning.policy", "mail.thread", "mail.activity.mixin"]

    experiment_ids = fields.One2many("account.dunning.experiment", "policy_id", "Letter Experiments")
