from odoo.tests import BaseCase, tagged

from odoo.addons.account_dunning.models import account_dunning_statistics as stats

# Reference values computed once with SciPy 1.17 (scipy.stats.fisher_exact,
# binomtest(...).proportion_ci(method="wilson"), norm.sf, and for the Beta
# posteriors integrate.quad of beta.pdf(x, B) * beta.cdf(x, A) over [0, 1]),
# then written here: the addon does not depend on SciPy.


@tagged("post_install", "-at_install")
class TestStatistics(BaseCase):
    def test_wilson_interval(self):
        # Newcombe (1998), example of 81 successes out of 263: 0.2553 to 0.3662.
        cases = {
            (81, 263): (0.2552885198782742, 0.36620957698280004),
            (0, 10): (0.0, 0.27753279986288926),
            (10, 10): (0.7224672001371109, 1.0),
            (1, 20): (0.008881448800795402, 0.23613119344674205),
            (45, 100): (0.35614537979511984, 0.5475539700255787),
        }
        for (successes, trials), (low, high) in cases.items():
            got = stats.wilson_interval(successes, trials)
            self.assertAlmostEqual(got[0], low, places=9, msg=(successes, trials))
            self.assertAlmostEqual(got[1], high, places=9, msg=(successes, trials))
        self.assertEqual(stats.wilson_interval(0, 0), (0.0, 1.0), "no trial: nothing known")
        with self.assertRaises(ValueError):
            stats.wilson_interval(5, 3)

    def test_two_proportion_z_test(self):
        z, p_value = stats.two_proportion_z_test(120, 1000, 150, 1000)
        self.assertAlmostEqual(z, 1.963049807622355, places=9)
        self.assertAlmostEqual(p_value, 0.04964038686536878, places=9)
        z, p_value = stats.two_proportion_z_test(30, 200, 45, 210)
        self.assertAlmostEqual(z, 1.6829763461389204, places=9)
        self.assertAlmostEqual(p_value, 0.09237967055994593, places=9)
        z, _p = stats.two_proportion_z_test(150, 1000, 120, 1000)
        self.assertLess(z, 0, "negative when A does better")
        self.assertEqual(stats.two_proportion_z_test(0, 10, 0, 10), (0.0, 1.0), "none paid on both sides")

    def test_fisher_exact(self):
        # Fisher's lady tasting tea: [[3, 1], [1, 3]], two-sided p = 0.4857.
        cases = {
            (3, 1, 1, 3): 0.48571428571428565,
            (1, 9, 11, 3): 0.0027594561852200836,
            (8, 2, 1, 5): 0.034965034965034975,
            (0, 10, 10, 0): 1.082508822446903e-05,
            (2, 7, 8, 2): 0.02301413756522116,
            (12, 88, 25, 75): 0.027942706055260905,
        }
        for table, p_value in cases.items():
            self.assertAlmostEqual(stats.fisher_exact(*table), p_value, places=12, msg=table)
        self.assertEqual(stats.fisher_exact(0, 0, 0, 0), 1.0)

    def test_rule_choosing_the_test(self):
        self.assertTrue(stats.needs_exact_test(3, 4, 1, 4), "expected counts of 2")
        self.assertTrue(stats.needs_exact_test(2, 100, 3, 100), "5 paid out of 200: expected 2.5 per arm")
        self.assertFalse(stats.needs_exact_test(120, 1000, 150, 1000))
        small = stats.compare_proportions(3, 4, 1, 4)
        self.assertEqual(small["test"], "fisher")
        self.assertAlmostEqual(small["p_value"], 0.48571428571428565, places=12)
        large = stats.compare_proportions(120, 1000, 150, 1000)
        self.assertEqual(large["test"], "z")
        self.assertAlmostEqual(large["p_value"], 0.04964038686536878, places=9)

    def test_probability_b_beats_a(self):
        # (s_A, f_A, s_B, f_B): numeric integration of the Beta posteriors.
        cases = {
            (10, 20, 15, 15): 0.9011084775779017,
            (120, 880, 150, 850): 0.975067836812144,
            (0, 0, 0, 0): 0.5,
            (3, 1, 1, 3): 0.10317460317460317,
            (1000, 9000, 1080, 8920): 0.9680490780366467,
        }
        for counts, probability in cases.items():
            self.assertAlmostEqual(stats.probability_b_beats_a(*counts), probability, places=6, msg=counts)
        # Symmetry: P(B > A) + P(A > B) = 1 (continuous posteriors never tie).
        self.assertAlmostEqual(
            stats.probability_b_beats_a(7, 13, 9, 4) + stats.probability_b_beats_a(9, 4, 7, 13), 1.0, places=12
        )

    def test_median(self):
        self.assertEqual(stats.median([3, 1, 2]), 2)
        self.assertEqual(stats.median([4, 1, 2, 3]), 2.5)
        self.assertEqual(stats.median([14]), 14)
        self.assertIsNone(stats.median([]))
