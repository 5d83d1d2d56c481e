"""Variants of a level's letter: other wordings of the same step, compared
in an experiment (see account_dunning_experiment.py).

A reminder at a level with a running experiment gets a variant drawn at
random but reproducibly from its customer, its level and the experiment,
and keeps it: a customer stays in its variant for the whole experiment.
Outside experiments, a level's default variant (if any) words its letters.
The variant is written on the reminder and its lines when they are made,
frozen with the rest of the reminder.
"""

import hashlib

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .account_dunning_engine import pg_array


def pick_variant(seed, weighted):
    """The variant id drawn for `seed` (a tuple of ids) among `weighted`
    [(variant id, weight)]: the same seed always draws the same variant,
    and over many seeds each is drawn in proportion to its weight."""
    weighted = [(variant_id, weight) for variant_id, weight in sorted(weighted) if weight > 0]
    if not weighted:
        return None
    digest = hashlib.sha256(":".join(str(part) for part in seed).encode()).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64 * sum(weight for _id, weight in weighted)
    for variant_id, weight in weighted:
        draw -= weight
        if draw < 0:
            return variant_id
    return weighted[-1][0]


class AccountDunningVariant(models.Model):
    _name = "account.dunning.variant"
    _description = "Letter Variant of a Dunning Level"
    _order = "level_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    level_id = fields.Many2one("account.dunning.level", required=True, ondelete="cascade", index=True)
    policy_id = fields.Many2one(related="level_id.policy_id", store=True)
    company_id = fields.Many2one(related="level_id.policy_id.company_id", store=True)
    weight = fields.Integer(default=1, help="Its share of the customers drawn in an experiment (weights add up).")
    is_default = fields.Boolean(
        "Default", help="Words the level's letters outside experiments: the winner of the last experiment."
    )
    wording_ids = fields.One2many("account.dunning.wording", "variant_id", "Wording")

    @api.constrains("weight")
    def _check_weight(self):
        if any(not 0 <= variant.weight <= 1000 for variant in self):
            raise ValidationError(_("A variant's weight runs from 0 to 1000."))

    @api.constrains("is_default", "level_id", "active")
    def _check_one_default(self):
        for level in self.filtered("is_default").level_id:
            if len(level.variant_ids.filtered("is_default")) > 1:
                raise ValidationError(_("Level %s has one default variant at most.", level.display_name))


class AccountDunningLevel(models.Model):
    _inherit = "account.dunning.level"

    variant_ids = fields.One2many("account.dunning.variant", "level_id", "Variants")


class AccountDunningWording(models.Model):
    _inherit = "account.dunning.wording"

    variant_id = fields.Many2one(
        "account.dunning.variant",
        "Variant",
        ondelete="cascade",
        index="btree_not_null",
        domain="[('level_id', '=', level_id)]",
        help="The wording of this variant of the level; empty: the level's own wording.",
    )

    _sql_constraints = [
        ("level_lang_unique", "UNIQUE(level_id, variant_id, lang)", "A level has one wording per language."),
    ]

    @api.constrains("level_id", "variant_id", "lang")
    def _check_one_per_language(self):
        """One wording per level (or variant) and language; the database
        index does not see two wordings without variant as the same."""
        for wording in self:
            twins = wording.level_id.wording_ids.filtered_domain(
                [("lang", "=", wording.lang), ("variant_id", "=", wording.variant_id.id)]
            )
            if len(twins) > 1:
                raise ValidationError(_("A level has one wording per language."))
            if wording.variant_id and wording.variant_id.level_id != wording.level_id:
                raise ValidationError(_("A variant words its own level only."))


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    variant_id = fields.Many2one("account.dunning.variant", "Letter Variant", readonly=True, index="btree_not_null")
    experiment_id = fields.Many2one("account.dunning.experiment", readonly=True, index="btree_not_null")

    def _assign_variants(self):
        """Give the new reminders their variant, in a fixed number of
        queries: the one drawn for the customer in a running experiment of
        the level (see _drawn_variants), else the level's default; returns
        the reminders that got one."""
        reminders = self.filtered("level_id")
        if not reminders:
            return self.browse()
        drawn = self._drawn_variants(
            [(reminder.level_id.id, reminder.partner_id.id) for reminder in reminders], exclude_ids=reminders.ids
        )
        defaults = {
            variant.level_id.id: variant.id
            for variant in self.env["account.dunning.variant"]
            .sudo()
            .search([("level_id", "in", reminders.level_id.ids), ("is_default", "=", True)])
        }
        rows = []
        for reminder in reminders:
            key = (reminder.level_id.id, reminder.partner_id.id)
            if key in drawn:
                rows.append((reminder.id, *drawn[key]))
            elif reminder.level_id.id in defaults:
                rows.append((reminder.id, defaults[reminder.level_id.id], None))
        if rows:
            self._write_variants(rows)
        return self.browse([row[0] for row in rows])

    @api.model
    def _drawn_variants(self, pairs, exclude_ids=()):
        """{(level id, partner id): (variant id, experiment id)} for the
        `pairs` whose level runs an experiment: the variant the customer
        already has in it (reminders `exclude_ids` aside), else the one
        drawn for it; known before the reminder is made."""
        if not pairs:
            return {}
        levels = {level_id for level_id, _partner_id in pairs}
        experiments = {
            experiment.level_id.id: experiment
            for experiment in self.env["account.dunning.experiment"]
            .sudo()
            .search([("state", "=", "running"), ("level_id", "in", list(levels))])
        }
        if not experiments:
            return {}
        earlier = self._earlier_assignments(
            [experiment.id for experiment in experiments.values()],
            [partner_id for level_id, partner_id in pairs if level_id in experiments],
            exclude_ids,
        )
        drawn = {}
        for level_id, partner_id in pairs:
            experiment = experiments.get(level_id)
            if experiment:
                variant_id = earlier.get((experiment.id, partner_id)) or pick_variant(
                    (experiment.id, level_id, partner_id),
                    [(variant.id, variant.weight) for variant in experiment.variant_ids],
                )
                drawn[level_id, partner_id] = (variant_id, experiment.id)
        return drawn

    def _earlier_assignments(self, experiment_ids, partner_ids, exclude_ids):
        """{(experiment id, partner id): variant id} given before to these customers."""
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (experiment_id, partner_id) experiment_id, partner_id, variant_id
                  FROM account_dunning_reminder
                 WHERE experiment_id = ANY(%s) AND partner_id = ANY(%s) AND NOT id = ANY(%s)
                   AND variant_id IS NOT NULL
              ORDER BY experiment_id, partner_id, id
                """,
                list(experiment_ids),
                list(partner_ids),
                list(exclude_ids),
            )
        )
        return {
            (experiment_id, partner_id): variant_id for experiment_id, partner_id, variant_id in self.env.cr.fetchall()
        }

    def _write_variants(self, rows):
        ids, variants, experiments = zip(*rows, strict=True)
        self.flush_model(["variant_id", "experiment_id"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_dunning_reminder r
                   SET variant_id = v.variant_id, experiment_id = v.experiment_id
                  FROM unnest(%s::int[], %s::int[], %s::int[]) AS v(id, variant_id, experiment_id)
                 WHERE r.id = v.id
                """,
                pg_array(ids),
                pg_array(variants),
                pg_array(experiments),
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_dunning_reminder_line l
                   SET variant_id = r.variant_id
                  FROM account_dunning_reminder r
                 WHERE r.id = l.reminder_id AND r.id IN %s
                """,
                tuple(ids),
            )
        )
        self.invalidate_model(["variant_id", "experiment_id"])
        self.env["account.dunning.reminder.line"].invalidate_model(["variant_id"])


class AccountDunningEngine(models.AbstractModel):
    _inherit = "account.dunning.engine"

    def _precheck_plans(self, company, today, plans, policy_of, force_partner_ids=()):
        # EXTENDS account_dunning_prechecks: the variant drawn for each
        # customer is known first, once per batch; the checks read its
        # channels, the nightly run waits for its day.
        planned = [plan for plan in plans if plan.level]
        drawn = self.env["account.dunning.reminder"]._drawn_variants(
            [(plan.level.id, plan.partner_id) for plan in planned]
        )
        for plan in planned:
            plan.variant_id = drawn.get((plan.level.id, plan.partner_id), (None, None))[0]
        return super()._precheck_plans(company, today, plans, policy_of, force_partner_ids)


class AccountDunningReminderLine(models.Model):
    _inherit = "account.dunning.reminder.line"

    variant_id = fields.Many2one("account.dunning.variant", "Letter Variant", readonly=True, index="btree_not_null")
