"""Statistics to compare how often reminders get paid (pure Python, `math` only).

No Odoo model here: plain functions over counts, testable without a database,
used by the recovery analytics and the letter experiments.  A proportion is
`successes` out of `trials` (invoices paid within the window out of invoices
reminded).
"""

import math

# Two-sided 95 %: the 0.975 quantile of the standard normal distribution.
Z_95 = 1.959963984540054
# Below this expected count in any cell of the 2x2 table, the normal
# approximation of the z-test is poor (Cochran's rule): use Fisher's exact test.
MIN_EXPECTED = 5


def wilson_interval(successes, trials, z=Z_95):
    """(low, high) Wilson score interval of a proportion (95 % by default).

    Unlike the textbook p ± z·sqrt(p(1-p)/n), it stays within [0, 1] and is
    honest for small samples and proportions near 0 or 1.  No trial: (0, 1).
    """
    _check_counts(successes, trials)
    if not trials:
        return 0.0, 1.0
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    margin = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    return max(0.0, centre - margin), min(1.0, centre + margin)


def two_proportion_z_test(successes_a, trials_a, successes_b, trials_b):
    """(z, two-sided p-value) of H0 "A and B have the same proportion",
    with the pooled standard error.  z > 0 when B does better."""
    _check_counts(successes_a, trials_a)
    _check_counts(successes_b, trials_b)
    if not trials_a or not trials_b:
        return 0.0, 1.0
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    variance = pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b)
    if variance <= 0:
        return 0.0, 1.0  # all paid or none paid on both sides: no difference to see
    z = (successes_b / trials_b - successes_a / trials_a) / math.sqrt(variance)
    return z, math.erfc(abs(z) / math.sqrt(2))


def fisher_exact(a, b, c, d):
    """Two-sided p-value of Fisher's exact test on the 2x2 table
    [[a, b], [c, d]] (rows: A and B; columns: paid, not paid).

    The p-value sums the hypergeometric probabilities of every table with the
    same margins that is no more likely than the observed one (the usual
    two-sided definition, as R's fisher.test and SciPy's fisher_exact), with a
    relative tolerance so that ties computed with rounding errors count.
    """
    for count in (a, b, c, d):
        if count < 0:
            raise ValueError("Counts cannot be negative.")
    row_1, col_1, total = a + b, a + c, a + b + c + d
    if not total:
        return 1.0
    low, high = max(0, col_1 - (total - row_1)), min(row_1, col_1)

    def log_probability(x):
        return _log_comb(row_1, x) + _log_comb(total - row_1, col_1 - x) - _log_comb(total, col_1)

    observed = log_probability(a)
    cutoff = observed + math.log1p(1e-7)
    p_value = sum(math.exp(lp) for lp in map(log_probability, range(low, high + 1)) if lp <= cutoff)
    return min(1.0, p_value)


def needs_exact_test(successes_a, trials_a, successes_b, trials_b):
    """True when an expected count of the 2x2 table is below 5: the z-test's
    normal approximation does not hold, Fisher's exact test is used."""
    total = trials_a + trials_b
    if not trials_a or not trials_b:
        return True
    paid = successes_a + successes_b
    unpaid = total - paid
    expected = [trials * column / total for trials in (trials_a, trials_b) for column in (paid, unpaid)]
    return min(expected) < MIN_EXPECTED


def compare_proportions(successes_a, trials_a, successes_b, trials_b):
    """{"test": "fisher" | "z", "p_value": float}: B against A, with the test
    the sample sizes allow (see needs_exact_test)."""
    if needs_exact_test(successes_a, trials_a, successes_b, trials_b):
        p_value = fisher_exact(successes_a, trials_a - successes_a, successes_b, trials_b - successes_b)
        return {"test": "fisher", "p_value": p_value}
    _z, p_value = two_proportion_z_test(successes_a, trials_a, successes_b, trials_b)
    return {"test": "z", "p_value": p_value}


def probability_b_beats_a(successes_a, failures_a, successes_b, failures_b):
    """P(p_B > p_A) when p_A ~ Beta(1 + s_A, 1 + f_A) and p_B ~ Beta(1 + s_B,
    1 + f_B) (uniform priors updated by the observed counts).

    Exact closed form (a finite sum, Evan Miller's "Formulas for Bayesian A/B
    testing"), each term in logarithms so that large counts neither overflow
    nor underflow; no numeric integration, accurate to rounding (far below
    1e-3).  Costs O(s_B) terms.
    """
    for count in (successes_a, failures_a, successes_b, failures_b):
        if count < 0:
            raise ValueError("Counts cannot be negative.")
    alpha_a, beta_a = 1 + successes_a, 1 + failures_a
    alpha_b, beta_b = 1 + successes_b, 1 + failures_b
    log_beta_a = _log_beta(alpha_a, beta_a)
    total = 0.0
    for i in range(alpha_b):
        total += math.exp(
            _log_beta(alpha_a + i, beta_a + beta_b) - math.log(beta_b + i) - _log_beta(1 + i, beta_b) - log_beta_a
        )
    return min(1.0, max(0.0, total))


def median(values):
    """The median of `values` (the mean of the two middle ones for an even
    count); None when there is none."""
    ordered = sorted(values)
    count = len(ordered)
    if not count:
        return None
    middle = count // 2
    if count % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


# ---- HELPERS ----
def _check_counts(successes, trials):
    if successes < 0 or trials < 0 or successes > trials:
        raise ValueError("Successes must be between 0 and the number of trials.")


def _log_comb(n, k):
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _log_beta(a, b):
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
